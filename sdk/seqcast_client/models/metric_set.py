from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MetricSet")


@_attrs_define
class MetricSet:
    """
    Attributes:
        mae (float):
        rmse (float):
        smape (float): Percent, 0 to 200.
        mase (float): MAE over the in-sample seasonal-naive MAE before the origin.
    """

    mae: float
    rmse: float
    smape: float
    mase: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        mae = self.mae

        rmse = self.rmse

        smape = self.smape

        mase = self.mase

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "mae": mae,
                "rmse": rmse,
                "smape": smape,
                "mase": mase,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        mae = d.pop("mae")

        rmse = d.pop("rmse")

        smape = d.pop("smape")

        mase = d.pop("mase")

        metric_set = cls(
            mae=mae,
            rmse=rmse,
            smape=smape,
            mase=mase,
        )

        metric_set.additional_properties = d
        return metric_set

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
