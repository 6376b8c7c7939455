from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.candidate_read_architecture import CandidateReadArchitecture
from ..models.job_status import JobStatus

if TYPE_CHECKING:
    from ..models.candidate_read_metrics_type_0 import CandidateReadMetricsType0
    from ..models.candidate_read_overrides import CandidateReadOverrides
    from ..models.progress import Progress


T = TypeVar("T", bound="CandidateRead")


@_attrs_define
class CandidateRead:
    """One candidate of an auto job, as the job shows it.

    Attributes:
        id (str): Its own job: GET /jobs/{id} shows its history.
        architecture (CandidateReadArchitecture):
        overrides (CandidateReadOverrides): The grid's values it was trained with, over the job's hyperparameters.
        status (JobStatus):
        progress (Progress):
        metrics (CandidateReadMetricsType0 | None): Validation metrics once it succeeded: mase, mae, rmse, smape,
            seasonal_naive_mase, beats_seasonal_naive, best_epoch.
        rank (int | None): 1 = best validation MASE among the candidates that succeeded so far.
        selected (bool): The candidate registered as the version.
        error (None | str):
        attempts (int):
        started_at (datetime.datetime | None):
        finished_at (datetime.datetime | None):
    """

    id: str
    architecture: CandidateReadArchitecture
    overrides: CandidateReadOverrides
    status: JobStatus
    progress: Progress
    metrics: CandidateReadMetricsType0 | None
    rank: int | None
    selected: bool
    error: None | str
    attempts: int
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.candidate_read_metrics_type_0 import CandidateReadMetricsType0

        id = self.id

        architecture = self.architecture.value

        overrides = self.overrides.to_dict()

        status = self.status.value

        progress = self.progress.to_dict()

        metrics: dict[str, Any] | None
        if isinstance(self.metrics, CandidateReadMetricsType0):
            metrics = self.metrics.to_dict()
        else:
            metrics = self.metrics

        rank: int | None
        rank = self.rank

        selected = self.selected

        error: None | str
        error = self.error

        attempts = self.attempts

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "architecture": architecture,
                "overrides": overrides,
                "status": status,
                "progress": progress,
                "metrics": metrics,
                "rank": rank,
                "selected": selected,
                "error": error,
                "attempts": attempts,
                "started_at": started_at,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.candidate_read_metrics_type_0 import CandidateReadMetricsType0
        from ..models.candidate_read_overrides import CandidateReadOverrides
        from ..models.progress import Progress

        d = dict(src_dict)
        id = d.pop("id")

        architecture = CandidateReadArchitecture(d.pop("architecture"))

        overrides = CandidateReadOverrides.from_dict(d.pop("overrides"))

        status = JobStatus(d.pop("status"))

        progress = Progress.from_dict(d.pop("progress"))

        def _parse_metrics(data: object) -> CandidateReadMetricsType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metrics_type_0 = CandidateReadMetricsType0.from_dict(data)

                return metrics_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CandidateReadMetricsType0 | None, data)

        metrics = _parse_metrics(d.pop("metrics"))

        def _parse_rank(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rank = _parse_rank(d.pop("rank"))

        selected = d.pop("selected")

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        attempts = d.pop("attempts")

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        candidate_read = cls(
            id=id,
            architecture=architecture,
            overrides=overrides,
            status=status,
            progress=progress,
            metrics=metrics,
            rank=rank,
            selected=selected,
            error=error,
            attempts=attempts,
            started_at=started_at,
            finished_at=finished_at,
        )

        candidate_read.additional_properties = d
        return candidate_read

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
