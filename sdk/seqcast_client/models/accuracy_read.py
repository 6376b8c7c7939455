from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.scores import Scores
    from ..models.series_scores import SeriesScores
    from ..models.step_scores import StepScores


T = TypeVar("T", bound="AccuracyRead")


@_attrs_define
class AccuracyRead:
    """
    Attributes:
        model (str):
        version (int):
        season_length (int): Season of the naive forecasts (the version's).
        scale (float | None): The MASE scale: the in-sample seasonal-naive MAE the version's validation MASE was scaled
            by (metrics seasonal_naive.mae ÷ seasonal_naive.mase); null when the version has no MASE.
        records (int): Stored forecast points of this version, scored or not.
        overall (Scores):
        steps (list[StepScores]): By horizon step, every step with a point.
        series (list[SeriesScores]): By series id, a page of them.
        series_total (int): Series with scored points.
        last_scored_at (datetime.datetime | None): When an actual last arrived; null: none.
    """

    model: str
    version: int
    season_length: int
    scale: float | None
    records: int
    overall: Scores
    steps: list[StepScores]
    series: list[SeriesScores]
    series_total: int
    last_scored_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        model = self.model

        version = self.version

        season_length = self.season_length

        scale: float | None
        scale = self.scale

        records = self.records

        overall = self.overall.to_dict()

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        series = []
        for series_item_data in self.series:
            series_item = series_item_data.to_dict()
            series.append(series_item)

        series_total = self.series_total

        last_scored_at: None | str
        if isinstance(self.last_scored_at, datetime.datetime):
            last_scored_at = self.last_scored_at.isoformat()
        else:
            last_scored_at = self.last_scored_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "version": version,
                "season_length": season_length,
                "scale": scale,
                "records": records,
                "overall": overall,
                "steps": steps,
                "series": series,
                "series_total": series_total,
                "last_scored_at": last_scored_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.scores import Scores
        from ..models.series_scores import SeriesScores
        from ..models.step_scores import StepScores

        d = dict(src_dict)
        model = d.pop("model")

        version = d.pop("version")

        season_length = d.pop("season_length")

        def _parse_scale(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        scale = _parse_scale(d.pop("scale"))

        records = d.pop("records")

        overall = Scores.from_dict(d.pop("overall"))

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = StepScores.from_dict(steps_item_data)

            steps.append(steps_item)

        series = []
        _series = d.pop("series")
        for series_item_data in _series:
            series_item = SeriesScores.from_dict(series_item_data)

            series.append(series_item)

        series_total = d.pop("series_total")

        def _parse_last_scored_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_scored_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_scored_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_scored_at = _parse_last_scored_at(d.pop("last_scored_at"))

        accuracy_read = cls(
            model=model,
            version=version,
            season_length=season_length,
            scale=scale,
            records=records,
            overall=overall,
            steps=steps,
            series=series,
            series_total=series_total,
            last_scored_at=last_scored_at,
        )

        accuracy_read.additional_properties = d
        return accuracy_read

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
