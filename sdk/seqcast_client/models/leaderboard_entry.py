from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.leaderboard_entry_metrics_type_0 import LeaderboardEntryMetricsType0
    from ..models.leaderboard_entry_overrides import LeaderboardEntryOverrides


T = TypeVar("T", bound="LeaderboardEntry")


@_attrs_define
class LeaderboardEntry:
    """One candidate of an auto job (app.training.auto.leaderboard).

    Attributes:
        job_id (str): The candidate's own training job.
        architecture (str):
        overrides (LeaderboardEntryOverrides): The grid's values it was trained with, over the job's hyperparameters.
        status (str):
        metrics (LeaderboardEntryMetricsType0 | None): Validation mase, mae, rmse, smape, seasonal_naive_mase,
            beats_seasonal_naive and best_epoch; null unless it succeeded.
        error (None | str):
        rank (int | None): 1 = best validation MASE; null unless it succeeded.
        selected (bool): The candidate registered as this version.
    """

    job_id: str
    architecture: str
    overrides: LeaderboardEntryOverrides
    status: str
    metrics: LeaderboardEntryMetricsType0 | None
    error: None | str
    rank: int | None
    selected: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.leaderboard_entry_metrics_type_0 import LeaderboardEntryMetricsType0

        job_id = self.job_id

        architecture = self.architecture

        overrides = self.overrides.to_dict()

        status = self.status

        metrics: dict[str, Any] | None
        if isinstance(self.metrics, LeaderboardEntryMetricsType0):
            metrics = self.metrics.to_dict()
        else:
            metrics = self.metrics

        error: None | str
        error = self.error

        rank: int | None
        rank = self.rank

        selected = self.selected

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "architecture": architecture,
                "overrides": overrides,
                "status": status,
                "metrics": metrics,
                "error": error,
                "rank": rank,
                "selected": selected,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.leaderboard_entry_metrics_type_0 import LeaderboardEntryMetricsType0
        from ..models.leaderboard_entry_overrides import LeaderboardEntryOverrides

        d = dict(src_dict)
        job_id = d.pop("job_id")

        architecture = d.pop("architecture")

        overrides = LeaderboardEntryOverrides.from_dict(d.pop("overrides"))

        status = d.pop("status")

        def _parse_metrics(data: object) -> LeaderboardEntryMetricsType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metrics_type_0 = LeaderboardEntryMetricsType0.from_dict(data)

                return metrics_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LeaderboardEntryMetricsType0 | None, data)

        metrics = _parse_metrics(d.pop("metrics"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_rank(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rank = _parse_rank(d.pop("rank"))

        selected = d.pop("selected")

        leaderboard_entry = cls(
            job_id=job_id,
            architecture=architecture,
            overrides=overrides,
            status=status,
            metrics=metrics,
            error=error,
            rank=rank,
            selected=selected,
        )

        leaderboard_entry.additional_properties = d
        return leaderboard_entry

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
