"""Artifact storage: datasets and model files under one root, addressed by key.

Writes are atomic (temp file + rename), so a reader never sees half a file and a retried writer
simply replaces its own output.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.errors import SeqcastError


class ArtifactNotFound(SeqcastError):
    """A registered artifact is missing from the store: a server-side fault, hence a 500."""


class LocalArtifactStore:
    """A folder on local (or shared network) disk. URIs are `file://` absolute paths."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"artifact key escapes the store: {key!r}")
        return path

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()

    def put(self, key: str, data: bytes) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path.as_uri()

    def get(self, uri_or_key: str) -> bytes:
        path = self._resolve(uri_or_key)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise ArtifactNotFound(f"artifact {uri_or_key} is missing from the store") from exc

    def exists(self, uri_or_key: str) -> bool:
        return self._resolve(uri_or_key).is_file()

    def _resolve(self, uri_or_key: str) -> Path:
        if uri_or_key.startswith("file://"):
            return Path(uri_or_key.removeprefix("file://"))
        return self._path(uri_or_key)

    def delete(self, uri_or_key: str) -> None:
        """Remove one file; missing is fine (deletes are retried after partial failures)."""
        self._resolve(uri_or_key).unlink(missing_ok=True)
