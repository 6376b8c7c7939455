"""The worker pins glibc's malloc thresholds; mallopt must accept them on this platform."""

from __future__ import annotations

import subprocess
import sys

from workers.allocator import pin_malloc_thresholds


def test_mallopt_accepts_the_thresholds():
    assert pin_malloc_thresholds() is True


def test_the_worker_app_pins_them_at_import():
    """Importing the Celery app (what `celery --app workers.celery_app worker` does) pins them
    before the pool forks; checked in a fresh interpreter."""
    code = (
        "import workers.allocator as a\n"
        "calls = []\n"
        "original = a.pin_malloc_thresholds\n"
        "a.pin_malloc_thresholds = lambda: calls.append(original()) or calls[-1]\n"
        "import workers.celery_app\n"
        "print(calls)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[True]"
