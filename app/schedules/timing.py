"""Celery's own schedule objects for a schedule row: the API checks a cron and tells the next run
with them, and beat (workers.beat) times the fires with the very same objects. Celery only, no
web framework and no torch, so both processes import it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from celery.schedules import BaseSchedule, crontab, schedule

from app.db import utcnow
from app.errors import InvalidInput

CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
"""The five fields of a cron line, in the order it writes them (crontab's positional order is
another: minute, hour, day_of_week, ...)."""


def parse_cron(text: str) -> crontab:
    """A crontab from five fields, UTC; a 422 on `cron` naming the field at fault."""
    fields = text.split()
    if len(fields) != len(CRON_FIELDS):
        raise InvalidInput(
            "cron",
            f"{text!r} has {len(fields)} fields; give 5: minute hour day-of-month month "
            "day-of-week (e.g. '0 3 * * *')",
        )
    for name, value in zip(CRON_FIELDS, fields, strict=True):
        try:
            crontab(**{name: value})
        except Exception as exc:  # celery raises ValueError or its ParseException
            raise InvalidInput("cron", f"{name.replace('_', '-')} field {value!r}: {exc}") from exc
    try:  # each field may parse and the whole never match (0 0 30 2 *: no February 30th)
        return crontab(**dict(zip(CRON_FIELDS, fields, strict=True)), nowfun=utcnow)
    except ValueError as exc:
        raise InvalidInput("cron", str(exc)) from exc


def celery_schedule(cron: str | None, interval_seconds: int | None) -> BaseSchedule:
    if cron is not None:
        return parse_cron(cron)
    assert interval_seconds is not None
    return schedule(timedelta(seconds=interval_seconds), nowfun=utcnow)


def next_run(timing: BaseSchedule, last_run_at: datetime) -> datetime:
    """When beat fires next, counted from `last_run_at` as beat counts; a run already due (beat
    was down at the time) fires now."""
    if isinstance(timing, crontab):
        start, delta, _ = timing.remaining_delta(last_run_at)
        due = start + delta
    else:
        due = last_run_at + timing.run_every
    return max(utcnow(), due.astimezone(UTC))
