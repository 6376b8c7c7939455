from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.names import NAME_PATTERN

Promote = Literal["if_better", "always", "never"]
MAX_INTERVAL_SECONDS = 366 * 86400


class RefreshWhen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mase_ratio_above: float = Field(
        gt=0,
        le=1000,
        description="Refresh early when the alias version's live MASE ratio (its live MAE ÷ "
        "seasonal naive's on the same forecasts, see Live accuracy) is above this.",
    )


class ScheduleUpdate(BaseModel):
    """Exactly one of `cron` and `interval_seconds`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"cron": "0 3 * * *", "promote": "if_better"}]},
    )

    cron: str | None = Field(
        None,
        max_length=100,
        description="Five fields, UTC: minute hour day-of-month month day-of-week "
        "(e.g. `0 3 * * *`: daily at 03:00).",
    )
    interval_seconds: int | None = Field(
        None,
        ge=1,
        le=MAX_INTERVAL_SECONDS,
        description="Instead of a cron: every this many seconds (at least "
        "SEQCAST_SCHEDULE_MIN_INTERVAL_SECONDS, default 60).",
    )
    promote: Promote = Field(
        "if_better",
        description="What the refreshed version does to the alias: `if_better` takes it only if "
        "its backtest MASE on the newest data beats the holder's on the same folds; `always` "
        "takes it; `never` leaves it.",
    )
    alias: str = Field(
        "production",
        pattern=NAME_PATTERN,
        description="The alias whose version is refreshed (and which a promotion moves).",
    )
    refresh_when: RefreshWhen | None = Field(
        None,
        description="Also refresh before the next run when the alias version's live accuracy "
        "is poor: checked every SEQCAST_SCHEDULE_WATCH_SECONDS (300), at most one early refresh "
        "per alias version.",
    )


class ScheduleRead(BaseModel):
    model: str
    cron: str | None
    interval_seconds: int | None
    promote: Promote
    alias: str
    refresh_when: RefreshWhen | None
    next_run_at: datetime = Field(description="When beat fires it next (UTC).")
    last_fired_at: datetime | None = Field(description="When beat last fired it (null: never).")
    runs: int = Field(description="How many times beat has fired it.")
    last_job_id: str | None = Field(description="The refresh job its last fire started.")
    last_outcome: str | None = Field(
        description="What its last fire did: the job it started, or why it started none."
    )
    created_at: datetime
    updated_at: datetime
