"""`seqcast beat`: Celery beat, with its schedule read from the `model_schedules` table.

Celery beat does the timing (the `crontab` and interval schedules of app.schedules.timing, the
same objects the API tells the next run with); `ModelScheduler` only says where the entries come
from, as django-celery-beat's DatabaseScheduler does: it re-reads the table every
`schedule_reload_seconds` (a schedule put, changed or deleted takes effect without a restart),
and writes an entry's `last_run_at` and run count when it fires, before the message is sent, so
a restarted beat neither fires a run again nor forgets one that fell due while it was down (that
one fires once, at start). Run one beat per deployment: two would fire every schedule twice
(the fire task then starts one refresh and skips the other, as a pile-up). A schedule with
`refresh_when` also has a watch entry (WATCH_SUFFIX) that has its live accuracy checked.

Beat only publishes `schedules.fire` by name; the worker runs it. It imports neither torch nor
FastAPI nor the worker's Celery app.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery import Celery
from celery.beat import ScheduleEntry, Scheduler
from sqlalchemy import select, update

from app.config import Settings, get_settings
from app.models import ModelSchedule
from app.queue import make_celery
from app.schedules import FIRE_TASK
from app.schedules.timing import celery_schedule
from workers.db import worker_sessions

log = logging.getLogger("seqcast.beat")

WATCH_SUFFIX = ":watch"
"""A schedule with `refresh_when` has a second entry, `schedule:<id>:watch`, every
`schedule_watch_seconds`: the fire it sends (`early=True`) refreshes only if the alias version's
live accuracy is over the threshold (workers.schedules)."""

ALIVE_FILE = Path(tempfile.gettempdir()) / "seqcast-beat.alive"
"""Touched each time beat has read the schedules table: the container health checks (compose,
Kubernetes) call beat alive while this file is younger than a minute."""


class ModelScheduler(Scheduler):
    """Entries `schedule:<id>`, one per row of `model_schedules`, each sending `schedules.fire`
    with the row's id to the task queue."""

    def __init__(
        self, app: Celery, *args: Any, settings: Settings | None = None, **kwargs: Any
    ) -> None:
        self.settings = settings or get_settings()
        self._sessions = worker_sessions(self.settings)
        self._read_at: float | None = None
        super().__init__(app, *args, **kwargs)

    def setup_schedule(self) -> None:
        """The table's entries only: no `beat_schedule` from configuration, and none of Celery's
        default entries (the result-backend cleanup: there is no result backend)."""
        self.data = self._read()

    def get_schedule(self) -> dict[str, ScheduleEntry]:
        due = self._read_at is None or (
            time.monotonic() - self._read_at >= self.settings.schedule_reload_seconds
        )
        if due:
            self.data = self._read()
        return self.data

    schedule = property(get_schedule, Scheduler.set_schedule)  # type: ignore[assignment]

    def _read(self) -> dict[str, ScheduleEntry]:
        """Every row as an entry; on a database error, the entries it had (and a log line)."""
        self._read_at = time.monotonic()
        known: dict[str, ScheduleEntry] = self.data or {}
        try:
            with self._sessions() as session:
                rows = list(session.scalars(select(ModelSchedule)))
        except Exception:
            log.exception("beat: could not read the schedules; keeping %d entries", len(known))
            return known
        ALIVE_FILE.touch()
        entries = {}
        for row in rows:
            name = f"schedule:{row.id}"
            try:
                timing = celery_schedule(row.cron, row.interval_seconds)
            except Exception:  # the API checks every cron; a row edited by hand may not be
                log.exception("beat: schedule %s has a timing beat cannot use", row.id)
                continue
            last_run_at, runs = row.last_run_at, row.total_run_count
            before = known.get(name)
            # a fire whose write failed (database down) is still known here: not fired again
            if (
                before is not None
                and before.schedule == timing
                and before.last_run_at > last_run_at
            ):
                last_run_at, runs = before.last_run_at, before.total_run_count
            entries[name] = ScheduleEntry(
                name=name,
                task=FIRE_TASK,
                schedule=timing,
                args=(row.id,),
                options={"queue": self.settings.task_queue},
                last_run_at=last_run_at,
                total_run_count=runs,
                app=self.app,
            )
            if row.refresh_when:
                watch = f"{name}{WATCH_SUFFIX}"
                entries[watch] = known.get(watch) or ScheduleEntry(
                    name=watch,
                    task=FIRE_TASK,
                    schedule=timedelta(seconds=self.settings.schedule_watch_seconds),
                    args=(row.id,),
                    kwargs={"early": True},
                    options={"queue": self.settings.task_queue},
                    app=self.app,
                )
        if set(entries) != set(known):
            log.info("beat: %d schedule(s)", len(entries))
        return entries

    def reserve(self, entry: ScheduleEntry) -> ScheduleEntry:
        """Advance the entry (Celery's own bookkeeping) and write its new last run to the row
        before the message is sent: a beat stopped in between loses that one fire rather than
        sending it twice (a fire is a refresh; the next run comes)."""
        fired = super().reserve(entry)
        if fired.name.endswith(WATCH_SUFFIX):  # a check, not a run: counted from beat's start
            return fired
        try:
            with self._sessions() as session:
                session.execute(
                    update(ModelSchedule)
                    .where(ModelSchedule.id == fired.args[0])
                    .values(last_run_at=fired.last_run_at, total_run_count=fired.total_run_count)
                )
                session.commit()
        except Exception:
            log.exception("beat: could not record the fire of %s", fired.name)
        return fired


def make_beat_app() -> Celery:
    settings = get_settings()
    app = make_celery(settings)
    app.conf.update(
        beat_scheduler="workers.beat:ModelScheduler",
        # Beat sleeps at most this long, so a schedule put while it sleeps is seen in time.
        beat_max_loop_interval=settings.schedule_reload_seconds,
    )
    return app


celery = make_beat_app()
