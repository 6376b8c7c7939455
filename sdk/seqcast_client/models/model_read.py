from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.model_read_aliases import ModelReadAliases
    from ..models.serving_config import ServingConfig
    from ..models.version_summary import VersionSummary


T = TypeVar("T", bound="ModelRead")


@_attrs_define
class ModelRead:
    """
    Attributes:
        name (str):
        created_at (datetime.datetime):
        serving (ServingConfig): Per-model batching overrides; a field left out keeps the server default.
        latest_version (int | None):
        aliases (ModelReadAliases): Alias → version.
        versions (list[VersionSummary]):
    """

    name: str
    created_at: datetime.datetime
    serving: ServingConfig
    latest_version: int | None
    aliases: ModelReadAliases
    versions: list[VersionSummary]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        created_at = self.created_at.isoformat()

        serving = self.serving.to_dict()

        latest_version: int | None
        latest_version = self.latest_version

        aliases = self.aliases.to_dict()

        versions = []
        for versions_item_data in self.versions:
            versions_item = versions_item_data.to_dict()
            versions.append(versions_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "created_at": created_at,
                "serving": serving,
                "latest_version": latest_version,
                "aliases": aliases,
                "versions": versions,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.model_read_aliases import ModelReadAliases
        from ..models.serving_config import ServingConfig
        from ..models.version_summary import VersionSummary

        d = dict(src_dict)
        name = d.pop("name")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        serving = ServingConfig.from_dict(d.pop("serving"))

        def _parse_latest_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        latest_version = _parse_latest_version(d.pop("latest_version"))

        aliases = ModelReadAliases.from_dict(d.pop("aliases"))

        versions = []
        _versions = d.pop("versions")
        for versions_item_data in _versions:
            versions_item = VersionSummary.from_dict(versions_item_data)

            versions.append(versions_item)

        model_read = cls(
            name=name,
            created_at=created_at,
            serving=serving,
            latest_version=latest_version,
            aliases=aliases,
            versions=versions,
        )

        model_read.additional_properties = d
        return model_read

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
