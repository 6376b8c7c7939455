from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SeriesScores")


@_attrs_define
class SeriesScores:
    """
    Attributes:
        points (int): Scored forecast points (series × origin × step × target).
        mae (float | None): The model's mean absolute error over them.
        naive_mae (float | None): The seasonal-naive forecast's MAE over the same points (made at the same origins from
            the same input windows).
        mase (float | None): mae ÷ the version's training scale; null without a scale.
        naive_mase (float | None): naive_mae ÷ the same scale.
        mase_ratio (float | None): mae ÷ naive_mae (= mase ÷ naive_mase: the scale cancels); below 1 the model beats
            seasonal naive on the actuals that arrived.
        series_id (str):
    """

    points: int
    mae: float | None
    naive_mae: float | None
    mase: float | None
    naive_mase: float | None
    mase_ratio: float | None
    series_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        points = self.points

        mae: float | None
        mae = self.mae

        naive_mae: float | None
        naive_mae = self.naive_mae

        mase: float | None
        mase = self.mase

        naive_mase: float | None
        naive_mase = self.naive_mase

        mase_ratio: float | None
        mase_ratio = self.mase_ratio

        series_id = self.series_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "points": points,
                "mae": mae,
                "naive_mae": naive_mae,
                "mase": mase,
                "naive_mase": naive_mase,
                "mase_ratio": mase_ratio,
                "series_id": series_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        points = d.pop("points")

        def _parse_mae(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        mae = _parse_mae(d.pop("mae"))

        def _parse_naive_mae(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        naive_mae = _parse_naive_mae(d.pop("naive_mae"))

        def _parse_mase(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        mase = _parse_mase(d.pop("mase"))

        def _parse_naive_mase(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        naive_mase = _parse_naive_mase(d.pop("naive_mase"))

        def _parse_mase_ratio(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        mase_ratio = _parse_mase_ratio(d.pop("mase_ratio"))

        series_id = d.pop("series_id")

        series_scores = cls(
            points=points,
            mae=mae,
            naive_mae=naive_mae,
            mase=mase,
            naive_mase=naive_mase,
            mase_ratio=mase_ratio,
            series_id=series_id,
        )

        series_scores.additional_properties = d
        return series_scores

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
