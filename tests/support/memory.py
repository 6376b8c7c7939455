"""Resident memory of a process, from /proc (psutil is not a dependency): what the ceilings on
work that must not happen (a parse, a decode, a buffered body) are measured with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

KB = 1024


def _status_kb(key: str, pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(f"no {key} in /proc/{pid}/status")


def resident_bytes(pid: int | str = "self") -> int:
    """The process' resident set size now (VmRSS)."""
    return _status_kb("VmRSS", pid) * KB


@dataclass
class Growth:
    bytes: int = 0


@contextmanager
def peak_growth() -> Iterator[Growth]:
    """How far this process' resident memory rose, at its peak, above where it was when the
    block began. The peak (VmHWM) is reset first via /proc/self/clear_refs, so an earlier peak
    cannot hide the block's; the test is skipped where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pytest.skip("cannot reset the peak RSS here")
    before = _status_kb("VmRSS")
    growth = Growth()
    try:
        yield growth
    finally:
        growth.bytes = (_status_kb("VmHWM") - before) * KB
