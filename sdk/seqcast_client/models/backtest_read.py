from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus

if TYPE_CHECKING:
    from ..models.backtest_summary import BacktestSummary
    from ..models.fold_read import FoldRead


T = TypeVar("T", bound="BacktestRead")


@_attrs_define
class BacktestRead:
    """
    Attributes:
        id (str):
        status (JobStatus):
        model (str):
        version (int):
        folds (int):
        stride (int):
        horizon (int):
        fold_metrics (list[FoldRead]): Oldest first; empty until it succeeds.
        metrics (BacktestSummary | None): Null until it succeeds.
        error (None | str):
        attempts (int):
        created_at (datetime.datetime):
        started_at (datetime.datetime | None):
        finished_at (datetime.datetime | None):
    """

    id: str
    status: JobStatus
    model: str
    version: int
    folds: int
    stride: int
    horizon: int
    fold_metrics: list[FoldRead]
    metrics: BacktestSummary | None
    error: None | str
    attempts: int
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.backtest_summary import BacktestSummary

        id = self.id

        status = self.status.value

        model = self.model

        version = self.version

        folds = self.folds

        stride = self.stride

        horizon = self.horizon

        fold_metrics = []
        for fold_metrics_item_data in self.fold_metrics:
            fold_metrics_item = fold_metrics_item_data.to_dict()
            fold_metrics.append(fold_metrics_item)

        metrics: dict[str, Any] | None
        if isinstance(self.metrics, BacktestSummary):
            metrics = self.metrics.to_dict()
        else:
            metrics = self.metrics

        error: None | str
        error = self.error

        attempts = self.attempts

        created_at = self.created_at.isoformat()

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
                "status": status,
                "model": model,
                "version": version,
                "folds": folds,
                "stride": stride,
                "horizon": horizon,
                "fold_metrics": fold_metrics,
                "metrics": metrics,
                "error": error,
                "attempts": attempts,
                "created_at": created_at,
                "started_at": started_at,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.backtest_summary import BacktestSummary
        from ..models.fold_read import FoldRead

        d = dict(src_dict)
        id = d.pop("id")

        status = JobStatus(d.pop("status"))

        model = d.pop("model")

        version = d.pop("version")

        folds = d.pop("folds")

        stride = d.pop("stride")

        horizon = d.pop("horizon")

        fold_metrics = []
        _fold_metrics = d.pop("fold_metrics")
        for fold_metrics_item_data in _fold_metrics:
            fold_metrics_item = FoldRead.from_dict(fold_metrics_item_data)

            fold_metrics.append(fold_metrics_item)

        def _parse_metrics(data: object) -> BacktestSummary | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metrics_type_0 = BacktestSummary.from_dict(data)

                return metrics_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BacktestSummary | None, data)

        metrics = _parse_metrics(d.pop("metrics"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        attempts = d.pop("attempts")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

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

        backtest_read = cls(
            id=id,
            status=status,
            model=model,
            version=version,
            folds=folds,
            stride=stride,
            horizon=horizon,
            fold_metrics=fold_metrics,
            metrics=metrics,
            error=error,
            attempts=attempts,
            created_at=created_at,
            started_at=started_at,
            finished_at=finished_at,
        )

        backtest_read.additional_properties = d
        return backtest_read

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
