from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.forecast_read_format import ForecastReadFormat
from ..models.job_status import JobStatus

if TYPE_CHECKING:
    from ..models.forecast_progress import ForecastProgress
    from ..models.forecast_read_timings import ForecastReadTimings


T = TypeVar("T", bound="ForecastRead")


@_attrs_define
class ForecastRead:
    """
    Attributes:
        id (str):
        status (JobStatus):
        model (str):
        version (int):
        dataset_id (str):
        future_dataset_id (None | str):
        format_ (ForecastReadFormat):
        series (list[str] | None): The requested subset; null: every series.
        progress (ForecastProgress):
        series_short (int): Series with fewer rows than the version's input_length: each is forecast from all the rows
            it has (the graph takes windows of 1 to 4 × input_length).
        rows (int | None): Rows of the result (series × horizon) once it succeeded.
        result_bytes (int | None):
        result_url (None | str): Where to download the file once it succeeded.
        timings (ForecastReadTimings): Seconds: queued, forecast (the chunks, first start to last end), merge, total;
            and series_per_second.
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
    dataset_id: str
    future_dataset_id: None | str
    format_: ForecastReadFormat
    series: list[str] | None
    progress: ForecastProgress
    series_short: int
    rows: int | None
    result_bytes: int | None
    result_url: None | str
    timings: ForecastReadTimings
    error: None | str
    attempts: int
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status.value

        model = self.model

        version = self.version

        dataset_id = self.dataset_id

        future_dataset_id: None | str
        future_dataset_id = self.future_dataset_id

        format_ = self.format_.value

        series: list[str] | None
        if isinstance(self.series, list):
            series = self.series

        else:
            series = self.series

        progress = self.progress.to_dict()

        series_short = self.series_short

        rows: int | None
        rows = self.rows

        result_bytes: int | None
        result_bytes = self.result_bytes

        result_url: None | str
        result_url = self.result_url

        timings = self.timings.to_dict()

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
                "dataset_id": dataset_id,
                "future_dataset_id": future_dataset_id,
                "format": format_,
                "series": series,
                "progress": progress,
                "series_short": series_short,
                "rows": rows,
                "result_bytes": result_bytes,
                "result_url": result_url,
                "timings": timings,
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
        from ..models.forecast_progress import ForecastProgress
        from ..models.forecast_read_timings import ForecastReadTimings

        d = dict(src_dict)
        id = d.pop("id")

        status = JobStatus(d.pop("status"))

        model = d.pop("model")

        version = d.pop("version")

        dataset_id = d.pop("dataset_id")

        def _parse_future_dataset_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        future_dataset_id = _parse_future_dataset_id(d.pop("future_dataset_id"))

        format_ = ForecastReadFormat(d.pop("format"))

        def _parse_series(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                series_type_0 = cast(list[str], data)

                return series_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        series = _parse_series(d.pop("series"))

        progress = ForecastProgress.from_dict(d.pop("progress"))

        series_short = d.pop("series_short")

        def _parse_rows(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rows = _parse_rows(d.pop("rows"))

        def _parse_result_bytes(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        result_bytes = _parse_result_bytes(d.pop("result_bytes"))

        def _parse_result_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        result_url = _parse_result_url(d.pop("result_url"))

        timings = ForecastReadTimings.from_dict(d.pop("timings"))

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

        forecast_read = cls(
            id=id,
            status=status,
            model=model,
            version=version,
            dataset_id=dataset_id,
            future_dataset_id=future_dataset_id,
            format_=format_,
            series=series,
            progress=progress,
            series_short=series_short,
            rows=rows,
            result_bytes=result_bytes,
            result_url=result_url,
            timings=timings,
            error=error,
            attempts=attempts,
            created_at=created_at,
            started_at=started_at,
            finished_at=finished_at,
        )

        forecast_read.additional_properties = d
        return forecast_read

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
