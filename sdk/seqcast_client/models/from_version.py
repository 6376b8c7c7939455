from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="FromVersion")


@_attrs_define
class FromVersion:
    """A registered version to warm-start from (POST /train `from_version`).

    Attributes:
        model (str):
        version (int):
    """

    model: str
    version: int

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "model": model,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        model = d.pop("model")

        version = d.pop("version")

        from_version = cls(
            model=model,
            version=version,
        )

        return from_version
