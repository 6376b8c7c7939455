"""The heartbeat of a running training job: a thread of the task writes `heartbeat_at` every
`job_heartbeat_interval_seconds`, however long an epoch takes, so that a worker that died is
noticed in seconds (the reconciler re-queues a job silent for `Settings.heartbeat_timeout`, and
a redelivered message finds a live job by its fresh heartbeat).

Each beat is a short transaction of its own: an UPDATE of `heartbeat_at` alone, of a row that is
still running on this worker. It never revives a finished, cancelled or re-queued job, and never
touches what the task's own session writes after each epoch (progress, history, status).
Torch-free, like workers.db.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from types import TracebackType

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.training.models import JobStatus, TrainingJob

log = logging.getLogger("seqcast.worker")


class Heartbeat:
    """Beats for one job from `start()` (or entering the block) until `stop()` (or leaving it)."""

    def __init__(
        self, sessions: sessionmaker[Session], job_id: str, worker: str, interval: float
    ) -> None:
        self.sessions = sessions
        self.job_id = job_id
        self.worker = worker
        self.interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        # The thread runs in a copy of this context, so its log lines carry the job's id.
        context = contextvars.copy_context()
        self._thread = threading.Thread(
            target=context.run,
            args=(self._run,),
            name=f"heartbeat-{self.job_id[:8]}",
            daemon=True,  # never keeps a worker process alive
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop beating; returns once the thread has ended, or after one interval if a beat is
        stuck on the database (the thread then ends with that beat, which is guarded)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=max(self.interval, 5.0))
            if self._thread.is_alive():
                log.warning("the heartbeat of job %s did not stop in time", self.job_id)

    def __enter__(self) -> Heartbeat:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def beat(self) -> bool:
        """Write one heartbeat; False when the job is no longer running on this worker."""
        with self.sessions() as session:
            result = session.execute(
                update(TrainingJob)
                .where(
                    TrainingJob.id == self.job_id,
                    TrainingJob.status == JobStatus.running,
                    TrainingJob.worker == self.worker,
                )
                .values(heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            session.commit()
        return result.rowcount == 1  # type: ignore[attr-defined]

    def _run(self) -> None:
        mine = True
        while not self._stopping.wait(self.interval):
            try:
                beating = self.beat()
            except Exception:  # the database is away: keep trying, the reconciler decides
                log.warning("could not write the heartbeat of job %s", self.job_id, exc_info=True)
                continue
            if mine and not beating:
                log.warning(
                    "job %s is no longer running on this worker (%s); not beating for it",
                    self.job_id,
                    self.worker,
                )
            mine = beating
