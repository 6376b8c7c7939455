from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="VersionReadMetrics")


@_attrs_define
class VersionReadMetrics:
    """Validation metrics: `model` and `seasonal_naive` (mae, rmse, smape, mase), the season length used and whether the
    model beats the baseline. `mase_scale` counts the series scaled by the seasonal-naive MAE, by the one-step naive MAE
    (the seasonal one ~0) or by none (a constant series, left out); `mase` is null, with `mase_reason`, when no series
    has a scale.

    """

    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        version_read_metrics = cls()

        version_read_metrics.additional_properties = d
        return version_read_metrics

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
