from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.backtest_summary_mase_scale import BacktestSummaryMaseScale
    from ..models.metric_set import MetricSet


T = TypeVar("T", bound="BacktestSummary")


@_attrs_define
class BacktestSummary:
    """
    Attributes:
        model (MetricSet):
        seasonal_naive (MetricSet):
        beats_seasonal_naive (bool): The model's MASE is below the baseline's (its MAE, when MASE is null).
        folds_won (int): Folds in which the model's MASE beats the baseline's.
        season_length (int): The version's season, used by the baseline.
        series (int): Series evaluated.
        seconds (float): Wall time of the evaluation in the worker.
        mase_scale (BacktestSummaryMaseScale | Unset): How many (origin, series, target) MASE scales came from each
            forecast: "seasonal_naive", "naive" (the seasonal one was ~0 relative to the series) or "none" (a constant
            target, left out of MASE).
    """

    model: MetricSet
    seasonal_naive: MetricSet
    beats_seasonal_naive: bool
    folds_won: int
    season_length: int
    series: int
    seconds: float
    mase_scale: BacktestSummaryMaseScale | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model = self.model.to_dict()

        seasonal_naive = self.seasonal_naive.to_dict()

        beats_seasonal_naive = self.beats_seasonal_naive

        folds_won = self.folds_won

        season_length = self.season_length

        series = self.series

        seconds = self.seconds

        mase_scale: dict[str, Any] | Unset = UNSET
        if not isinstance(self.mase_scale, Unset):
            mase_scale = self.mase_scale.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "seasonal_naive": seasonal_naive,
                "beats_seasonal_naive": beats_seasonal_naive,
                "folds_won": folds_won,
                "season_length": season_length,
                "series": series,
                "seconds": seconds,
            }
        )
        if mase_scale is not UNSET:
            field_dict["mase_scale"] = mase_scale

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.backtest_summary_mase_scale import BacktestSummaryMaseScale
        from ..models.metric_set import MetricSet

        d = dict(src_dict)
        model = MetricSet.from_dict(d.pop("model"))

        seasonal_naive = MetricSet.from_dict(d.pop("seasonal_naive"))

        beats_seasonal_naive = d.pop("beats_seasonal_naive")

        folds_won = d.pop("folds_won")

        season_length = d.pop("season_length")

        series = d.pop("series")

        seconds = d.pop("seconds")

        _mase_scale = d.pop("mase_scale", UNSET)
        mase_scale: BacktestSummaryMaseScale | Unset
        if isinstance(_mase_scale, Unset):
            mase_scale = UNSET
        else:
            mase_scale = BacktestSummaryMaseScale.from_dict(_mase_scale)

        backtest_summary = cls(
            model=model,
            seasonal_naive=seasonal_naive,
            beats_seasonal_naive=beats_seasonal_naive,
            folds_won=folds_won,
            season_length=season_length,
            series=series,
            seconds=seconds,
            mase_scale=mase_scale,
        )

        backtest_summary.additional_properties = d
        return backtest_summary

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
