from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, new_id, utcnow


class Dataset(Base):
    """An uploaded series. The values live in the artifact store (content-addressed by sha256);
    the row carries what the gateway needs to validate a training request without reading them."""

    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), index=True)
    n_rows: Mapped[int]
    columns: Mapped[list]
    has_timestamps: Mapped[bool] = mapped_column(default=False)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    artifact_uri: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
