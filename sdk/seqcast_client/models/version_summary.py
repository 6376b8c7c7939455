from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.version_summary_metrics import VersionSummaryMetrics


T = TypeVar("T", bound="VersionSummary")


@_attrs_define
class VersionSummary:
    """
    Attributes:
        version (int):
        architecture (str):
        created_at (datetime.datetime):
        metrics (VersionSummaryMetrics):
    """

    version: int
    architecture: str
    created_at: datetime.datetime
    metrics: VersionSummaryMetrics
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        version = self.version

        architecture = self.architecture

        created_at = self.created_at.isoformat()

        metrics = self.metrics.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "version": version,
                "architecture": architecture,
                "created_at": created_at,
                "metrics": metrics,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.version_summary_metrics import VersionSummaryMetrics

        d = dict(src_dict)
        version = d.pop("version")

        architecture = d.pop("architecture")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        metrics = VersionSummaryMetrics.from_dict(d.pop("metrics"))

        version_summary = cls(
            version=version,
            architecture=architecture,
            created_at=created_at,
            metrics=metrics,
        )

        version_summary.additional_properties = d
        return version_summary

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
