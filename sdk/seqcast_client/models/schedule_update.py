from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.schedule_update_promote import ScheduleUpdatePromote
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.refresh_when import RefreshWhen


T = TypeVar("T", bound="ScheduleUpdate")


@_attrs_define
class ScheduleUpdate:
    """Exactly one of `cron` and `interval_seconds`.

    Attributes:
        cron (None | str | Unset): Five fields, UTC: minute hour day-of-month month day-of-week (e.g. `0 3 * * *`: daily
            at 03:00).
        interval_seconds (int | None | Unset): Instead of a cron: every this many seconds (at least
            SEQCAST_SCHEDULE_MIN_INTERVAL_SECONDS, default 60).
        promote (ScheduleUpdatePromote | Unset): What the refreshed version does to the alias: `if_better` takes it only
            if its backtest MASE on the newest data beats the holder's on the same folds; `always` takes it; `never` leaves
            it. Default: ScheduleUpdatePromote.IF_BETTER.
        alias (str | Unset): The alias whose version is refreshed (and which a promotion moves). Default: 'production'.
        refresh_when (None | RefreshWhen | Unset): Also refresh before the next run when the alias version's live
            accuracy is poor: checked every SEQCAST_SCHEDULE_WATCH_SECONDS (300), at most one early refresh per alias
            version.
    """

    cron: None | str | Unset = UNSET
    interval_seconds: int | None | Unset = UNSET
    promote: ScheduleUpdatePromote | Unset = ScheduleUpdatePromote.IF_BETTER
    alias: str | Unset = "production"
    refresh_when: None | RefreshWhen | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.refresh_when import RefreshWhen

        cron: None | str | Unset
        if isinstance(self.cron, Unset):
            cron = UNSET
        else:
            cron = self.cron

        interval_seconds: int | None | Unset
        if isinstance(self.interval_seconds, Unset):
            interval_seconds = UNSET
        else:
            interval_seconds = self.interval_seconds

        promote: str | Unset = UNSET
        if not isinstance(self.promote, Unset):
            promote = self.promote.value

        alias = self.alias

        refresh_when: dict[str, Any] | None | Unset
        if isinstance(self.refresh_when, Unset):
            refresh_when = UNSET
        elif isinstance(self.refresh_when, RefreshWhen):
            refresh_when = self.refresh_when.to_dict()
        else:
            refresh_when = self.refresh_when

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if cron is not UNSET:
            field_dict["cron"] = cron
        if interval_seconds is not UNSET:
            field_dict["interval_seconds"] = interval_seconds
        if promote is not UNSET:
            field_dict["promote"] = promote
        if alias is not UNSET:
            field_dict["alias"] = alias
        if refresh_when is not UNSET:
            field_dict["refresh_when"] = refresh_when

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.refresh_when import RefreshWhen

        d = dict(src_dict)

        def _parse_cron(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cron = _parse_cron(d.pop("cron", UNSET))

        def _parse_interval_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        interval_seconds = _parse_interval_seconds(d.pop("interval_seconds", UNSET))

        _promote = d.pop("promote", UNSET)
        promote: ScheduleUpdatePromote | Unset
        if isinstance(_promote, Unset):
            promote = UNSET
        else:
            promote = ScheduleUpdatePromote(_promote)

        alias = d.pop("alias", UNSET)

        def _parse_refresh_when(data: object) -> None | RefreshWhen | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                refresh_when_type_0 = RefreshWhen.from_dict(data)

                return refresh_when_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RefreshWhen | Unset, data)

        refresh_when = _parse_refresh_when(d.pop("refresh_when", UNSET))

        schedule_update = cls(
            cron=cron,
            interval_seconds=interval_seconds,
            promote=promote,
            alias=alias,
            refresh_when=refresh_when,
        )

        return schedule_update
