from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.schedule_read_promote import ScheduleReadPromote

if TYPE_CHECKING:
    from ..models.refresh_when import RefreshWhen


T = TypeVar("T", bound="ScheduleRead")


@_attrs_define
class ScheduleRead:
    """
    Attributes:
        model (str):
        cron (None | str):
        interval_seconds (int | None):
        promote (ScheduleReadPromote):
        alias (str):
        refresh_when (None | RefreshWhen):
        next_run_at (datetime.datetime): When beat fires it next (UTC).
        last_fired_at (datetime.datetime | None): When beat last fired it (null: never).
        runs (int): How many times beat has fired it.
        last_job_id (None | str): The refresh job its last fire started.
        last_outcome (None | str): What its last fire did: the job it started, or why it started none.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
    """

    model: str
    cron: None | str
    interval_seconds: int | None
    promote: ScheduleReadPromote
    alias: str
    refresh_when: None | RefreshWhen
    next_run_at: datetime.datetime
    last_fired_at: datetime.datetime | None
    runs: int
    last_job_id: None | str
    last_outcome: None | str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.refresh_when import RefreshWhen

        model = self.model

        cron: None | str
        cron = self.cron

        interval_seconds: int | None
        interval_seconds = self.interval_seconds

        promote = self.promote.value

        alias = self.alias

        refresh_when: dict[str, Any] | None
        if isinstance(self.refresh_when, RefreshWhen):
            refresh_when = self.refresh_when.to_dict()
        else:
            refresh_when = self.refresh_when

        next_run_at = self.next_run_at.isoformat()

        last_fired_at: None | str
        if isinstance(self.last_fired_at, datetime.datetime):
            last_fired_at = self.last_fired_at.isoformat()
        else:
            last_fired_at = self.last_fired_at

        runs = self.runs

        last_job_id: None | str
        last_job_id = self.last_job_id

        last_outcome: None | str
        last_outcome = self.last_outcome

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "cron": cron,
                "interval_seconds": interval_seconds,
                "promote": promote,
                "alias": alias,
                "refresh_when": refresh_when,
                "next_run_at": next_run_at,
                "last_fired_at": last_fired_at,
                "runs": runs,
                "last_job_id": last_job_id,
                "last_outcome": last_outcome,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.refresh_when import RefreshWhen

        d = dict(src_dict)
        model = d.pop("model")

        def _parse_cron(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        cron = _parse_cron(d.pop("cron"))

        def _parse_interval_seconds(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        interval_seconds = _parse_interval_seconds(d.pop("interval_seconds"))

        promote = ScheduleReadPromote(d.pop("promote"))

        alias = d.pop("alias")

        def _parse_refresh_when(data: object) -> None | RefreshWhen:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                refresh_when_type_0 = RefreshWhen.from_dict(data)

                return refresh_when_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RefreshWhen, data)

        refresh_when = _parse_refresh_when(d.pop("refresh_when"))

        next_run_at = datetime.datetime.fromisoformat(d.pop("next_run_at"))

        def _parse_last_fired_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_fired_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_fired_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_fired_at = _parse_last_fired_at(d.pop("last_fired_at"))

        runs = d.pop("runs")

        def _parse_last_job_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_job_id = _parse_last_job_id(d.pop("last_job_id"))

        def _parse_last_outcome(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_outcome = _parse_last_outcome(d.pop("last_outcome"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        schedule_read = cls(
            model=model,
            cron=cron,
            interval_seconds=interval_seconds,
            promote=promote,
            alias=alias,
            refresh_when=refresh_when,
            next_run_at=next_run_at,
            last_fired_at=last_fired_at,
            runs=runs,
            last_job_id=last_job_id,
            last_outcome=last_outcome,
            created_at=created_at,
            updated_at=updated_at,
        )

        schedule_read.additional_properties = d
        return schedule_read

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
