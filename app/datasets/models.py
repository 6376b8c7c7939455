from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, new_id, utcnow


class Dataset(Base):
    """An uploaded table of one or many series. The values live in the artifact store
    (content-addressed by sha256); the row carries what the gateway needs to validate a training
    request and describe the dataset without reading them."""

    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), index=True)
    n_rows: Mapped[int]
    columns: Mapped[list]
    has_timestamps: Mapped[bool] = mapped_column(default=False)
    n_series: Mapped[int] = mapped_column(default=1)
    series: Mapped[list | None]
    """Per series, in table order: {id, rows, first, last} (see app.datasets.tables.summary).
    None on datasets uploaded before series existed: one unnamed series of n_rows rows."""
    frequency: Mapped[str | None] = mapped_column(String(32))
    """Inferred time step (app.datasets.calendar), or None."""
    filled: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    """Column -> values filled on upload (app.datasets.gaps); {} when none were."""
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    artifact_uri: Mapped[str] = mapped_column(String(1024))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    """Bytes of the stored values (estimated for rows from before revision 0006)."""
    owner_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), index=True
    )
    """The API key that uploaded it (None with auth off): counted against its quotas."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def series_summary(self) -> list[dict]:
        if self.series is not None:
            return list(self.series)
        return [{"id": "", "rows": self.n_rows, "first": None, "last": None}]

    def series_rows(self) -> list[tuple[str, int]]:
        """(series id, row count) in table order, as app.contract.segment_plans takes them."""
        return [(s["id"], s["rows"]) for s in self.series_summary()]
