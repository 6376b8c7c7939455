"""Artifact storage through fsspec: datasets, checkpoints and model files under one root, by key.

The root (`SEQCAST_ARTIFACT_ROOT`) is a local folder (default: `data_dir/artifacts`; a shared
network disk works too) or an `s3://bucket/prefix` URL: AWS S3, or any S3-compatible server
(MinIO, Ceph, ...) named by `SEQCAST_S3_ENDPOINT_URL`, with credentials from the usual AWS
variables or files, read by botocore. With S3, the API and the workers share no disk at all.

Keys are relative `/`-separated paths that may not leave the root. Writes are atomic: locally a
temp file and a rename, on S3 a single PUT. A reader never sees half a file and a retried writer
simply replaces its own output. URIs (recorded in the registry) are `file://` absolute paths or
`s3://bucket/key`; either kind stays readable after the root moves to the other.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote

from fsspec import AbstractFileSystem
from fsspec.implementations.local import LocalFileSystem

from app.errors import SeqcastError

if TYPE_CHECKING:
    from app.config import Settings

S3_SCHEMES = ("s3://",)


class ArtifactNotFound(SeqcastError):
    """A registered artifact is missing from the store: a server-side fault, hence a 500."""


def is_remote(root: str) -> bool:
    return root.startswith(S3_SCHEMES)


class ArtifactStore:
    """One artifact root, local or S3, behind `put`, `get`, `exists`, `delete` and `uri`."""

    def __init__(self, root: str | os.PathLike[str], *, s3_endpoint_url: str = "") -> None:
        root = str(root)
        self._s3_endpoint_url = s3_endpoint_url
        self._s3_fs: AbstractFileSystem | None = None
        self._local_fs = LocalFileSystem()
        if is_remote(root):
            self.local = False
            self.root = root.split("://", 1)[1].strip("/")
            if not self.root:
                raise ValueError(f"artifact root {root!r} names no bucket: use s3://bucket/prefix")
            self.fs = self._s3()
        elif "://" in root and not root.startswith("file://"):
            raise ValueError(
                f"artifact root {root!r} is neither a local path nor an s3://bucket/prefix URL"
            )
        else:
            self.local = True
            self.root = str(Path(unquote(root.removeprefix("file://"))).expanduser().resolve())
            self.fs = self._local_fs

    def __repr__(self) -> str:
        return f"ArtifactStore({self.root_uri!r})"

    @property
    def root_uri(self) -> str:
        return Path(self.root).as_uri() if self.local else f"s3://{self.root}"

    def _s3(self) -> AbstractFileSystem:
        """The S3 filesystem (s3fs), made on first use; listings are never cached, so a file
        another process wrote is seen at once."""
        if self._s3_fs is None:
            try:
                from s3fs import S3FileSystem
            except ImportError as exc:
                raise RuntimeError(
                    "an s3:// artifact root needs s3fs: pip install 'seqcast[s3]'"
                ) from exc
            options: dict[str, Any] = {"use_listings_cache": False}
            if self._s3_endpoint_url:
                options["endpoint_url"] = self._s3_endpoint_url
            self._s3_fs = S3FileSystem(**options)
        return self._s3_fs

    def _path(self, key: str) -> str:
        """The store path of a key; a key that is absolute or climbs out of the root is refused."""
        norm = posixpath.normpath(key) if key else ""
        if (
            not key
            or "\\" in key
            or key.startswith("/")
            or norm in (".", "..")
            or (norm.startswith("../"))
        ):
            raise ValueError(f"artifact key escapes the store: {key!r}")
        if not self.local:
            return f"{self.root}/{norm}"
        path = (Path(self.root) / norm).resolve()  # a symlink out of the root is refused too
        if not path.is_relative_to(self.root):
            raise ValueError(f"artifact key escapes the store: {key!r}")
        return str(path)

    def _resolve(self, uri_or_key: str) -> tuple[AbstractFileSystem, str]:
        if uri_or_key.startswith("file://"):
            return self._local_fs, unquote(uri_or_key.removeprefix("file://"))
        if uri_or_key.startswith(S3_SCHEMES):
            return self._s3(), uri_or_key.split("://", 1)[1]
        if "://" in uri_or_key:
            raise ValueError(f"unsupported artifact URI {uri_or_key!r}")
        return self.fs, self._path(uri_or_key)

    def uri(self, key: str) -> str:
        path = self._path(key)
        return Path(path).as_uri() if self.local else f"s3://{path}"

    def put(self, key: str, data: bytes) -> str:
        path = self._path(key)
        if not self.local:
            self.fs.pipe_file(path, data)
            return f"s3://{path}"
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target.as_uri()

    def put_file(self, key: str, source: str | os.PathLike[str]) -> str:
        """`put` from a local file, without reading it into memory: a rename when `source` is
        on the local root's filesystem (else a copy, then a rename), a streamed upload on S3."""
        path = self._path(key)
        if not self.local:
            self.fs.put_file(str(source), path)
            return f"s3://{path}"
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target.as_uri()

    def open(self, uri_or_key: str) -> BinaryIO:
        """A seekable binary reader of one file, for files too big to `get` at once."""
        fs, path = self._resolve(uri_or_key)
        try:
            return fs.open(path, "rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise ArtifactNotFound(f"artifact {uri_or_key} is missing from the store") from exc

    def get(self, uri_or_key: str) -> bytes:
        fs, path = self._resolve(uri_or_key)
        try:
            return fs.cat_file(path)
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise ArtifactNotFound(f"artifact {uri_or_key} is missing from the store") from exc

    def exists(self, uri_or_key: str) -> bool:
        fs, path = self._resolve(uri_or_key)
        return fs.isfile(path)

    def delete(self, uri_or_key: str) -> None:
        """Remove one file; missing is fine (deletes are retried after partial failures)."""
        fs, path = self._resolve(uri_or_key)
        with contextlib.suppress(FileNotFoundError):
            fs.rm_file(path)


def make_store(settings: Settings) -> ArtifactStore:
    """The store `SEQCAST_ARTIFACT_ROOT` names: the one way the API, workers and tools build it."""
    return ArtifactStore(settings.artifact_root, s3_endpoint_url=settings.s3_endpoint_url)
