"""The alias history: one row per change of where an alias points, by hand (PUT/DELETE of the
alias) or by the promotion gate after a refresh (workers.gate), with the gate's scores when it
compared the two versions. Versions are kept as numbers, not keys, so the history outlives a
deleted version."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Float, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base, utcnow
from app.registry.models import Model

Reason = Literal["manual", "refresh", "schedule"]
Decision = Literal["set", "deleted", "promoted", "kept"]


class AliasEvent(Base):
    __tablename__ = "alias_events"
    __table_args__ = (Index("ix_alias_events_model_id_alias", "model_id", "alias", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(64))
    version: Mapped[int | None]
    """Where the alias points after the event (null: deleted, or never set and kept unset)."""
    previous_version: Mapped[int | None]
    reason: Mapped[str] = mapped_column(String(16))
    """manual (the alias routes), refresh (a refresh job's gate), schedule (a scheduled one's)."""
    policy: Mapped[str | None] = mapped_column(String(16))
    """The refresh's promote policy (always, if_better); null for manual changes."""
    decision: Mapped[str] = mapped_column(String(16))
    challenger_version: Mapped[int | None]
    """The version the gate considered (the refresh's), whether promoted or not."""
    challenger_score: Mapped[float | None] = mapped_column(Float)
    champion_score: Mapped[float | None] = mapped_column(Float)
    metric: Mapped[str | None] = mapped_column(String(16))
    folds: Mapped[int | None]
    detail: Mapped[str | None] = mapped_column(String(1000))
    """Why the gate decided as it did, in words."""
    job_id: Mapped[str | None] = mapped_column(
        ForeignKey("training_jobs.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def record(
    session: Session,
    model: Model,
    alias: str,
    *,
    version: int | None,
    previous_version: int | None,
    decision: Decision,
    reason: Reason = "manual",
    **fields: object,
) -> AliasEvent:
    """Add one event (flushed) in the transaction that changes the alias, so the two commit
    together or not at all."""
    event = AliasEvent(
        model_id=model.id,
        alias=alias,
        version=version,
        previous_version=previous_version,
        decision=decision,
        reason=reason,
        **fields,
    )
    session.add(event)
    session.flush()
    return event


def page(
    session: Session, model: Model, alias: str, *, limit: int, offset: int
) -> list[AliasEvent]:
    """Newest first."""
    query = (
        select(AliasEvent)
        .where(AliasEvent.model_id == model.id, AliasEvent.alias == alias)
        .order_by(AliasEvent.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))
