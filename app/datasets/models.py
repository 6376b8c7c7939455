from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, new_id, utcnow


def series_summary(series: list | None, n_rows: int) -> list[dict]:
    """A stored summary, or one unnamed series of n_rows rows for rows from before series."""
    if series is not None:
        return list(series)
    return [{"id": "", "rows": n_rows, "first": None, "last": None}]


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
    """Bytes of every stored revision together (each is a full copy; estimated for rows from
    before migration 0006): what the key's byte quota counts."""
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    """The newest revision; the row's other fields describe it (see DatasetRevision)."""
    owner_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), index=True
    )
    """The API key that uploaded it (None with auth off): counted against its quotas."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def series_summary(self) -> list[dict]:
        return series_summary(self.series, self.n_rows)

    def series_rows(self) -> list[tuple[str, int]]:
        """(series id, row count) in table order, as app.contract.segment_plans takes them."""
        return [(s["id"], s["rows"]) for s in self.series_summary()]


class DatasetRevision(Base):
    """One stored version of a dataset's values: 1 on upload, one more per append. The dataset
    row always describes the newest; jobs and versions name the one they trained on."""

    __tablename__ = "dataset_revisions"

    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64))
    artifact_uri: Mapped[str] = mapped_column(String(1024))
    n_rows: Mapped[int]
    n_series: Mapped[int]
    series: Mapped[list | None]
    """As Dataset.series, for this revision."""
    frequency: Mapped[str | None] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    """Bytes of this revision's file alone."""
    appended_rows: Mapped[int]
    replaced_rows: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def series_summary(self) -> list[dict]:
        return series_summary(self.series, self.n_rows)
