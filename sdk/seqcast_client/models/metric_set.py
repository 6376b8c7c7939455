from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MetricSet")


@_attrs_define
class MetricSet:
    """
    Attributes:
        mae (float):
        rmse (float):
        smape (float): Percent, 0 to 200.
        mase (float | None): MAE over the in-sample seasonal-naive MAE before the origin (the one-step naive MAE where
            that is ~0, as on a noiseless periodic series); null when every target is constant before its origins, with
            `mase_reason`.
        mase_reason (None | str | Unset): Why `mase` is null.
    """

    mae: float
    rmse: float
    smape: float
    mase: float | None
    mase_reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        mae = self.mae

        rmse = self.rmse

        smape = self.smape

        mase: float | None
        mase = self.mase

        mase_reason: None | str | Unset
        if isinstance(self.mase_reason, Unset):
            mase_reason = UNSET
        else:
            mase_reason = self.mase_reason

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
        if mase_reason is not UNSET:
            field_dict["mase_reason"] = mase_reason

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        mae = d.pop("mae")

        rmse = d.pop("rmse")

        smape = d.pop("smape")

        def _parse_mase(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        mase = _parse_mase(d.pop("mase"))

        def _parse_mase_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mase_reason = _parse_mase_reason(d.pop("mase_reason", UNSET))

        metric_set = cls(
            mae=mae,
            rmse=rmse,
            smape=smape,
            mase=mase,
            mase_reason=mase_reason,
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
