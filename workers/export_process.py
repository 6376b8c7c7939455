"""A warm export process per worker process: one interpreter that has imported the exporters
(torch.onnx, onnx, onnxruntime) once and exports one job's model after another
(`python -m workers.training.export.child --serve FD`).

A fresh interpreter per job cost ~2.3 s of a 3.8 s job (benchmarks/RESULTS.md), nearly all of it
imports; the export itself is ~0.1 s for a recurrent net. The export still runs outside the
training process, for the reasons workers.training.export.process gives (dynamo's state, prefork
children that cannot fork), in a separate interpreter, not a fork, so it shares nothing.

The worker sends file paths over a socket connection and receives the JSON report; the weights
travel as the checkpoint file, never through the connection. Every export has a deadline: an
export process that dies, hangs past it, or is interrupted (a task's soft time limit) is killed
and fails that export with ExportError; the next export starts a new one.

Torch-free, like workers.heartbeat: a pool process starts its export process from Celery's
process-init hook, which must be quick (Celery kills a pool process that is not up within 4 s).
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workers.training.export import ExportReport

log = logging.getLogger(__name__)

PACKAGE_ROOT = Path(__file__).resolve().parents[1]

STDERR_LINES = 20  # kept for the error message of an export process that died
ACCEPTED = b"accepted"  # the export process's answer on taking a request, before its report


class ExportProcess:
    """One warm export process, started on demand and restarted after it dies or hangs.

    Thread-safe (one export at a time). Owned by the process that started it: after a fork the
    child starts its own instead of talking over its parent's connection.
    """

    def __init__(self, timeout: float = 600) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._connection: Connection | None = None
        self._owner = 0
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._death = ""

    @property
    def pid(self) -> int | None:
        """The export process's pid while it runs."""
        with self._lock:
            return self._proc.pid if self._running() else None

    def start(self) -> None:
        """Start the export process now (it warms up in the background) unless it runs."""
        with self._lock:
            self._ensure_started()

    def export(
        self, checkpoint: Path, onnx_path: Path, tolerance: float, timeout: float | None = None
    ) -> ExportReport:
        """Export `checkpoint` to a self-contained `onnx_path` and parity-check it in the warm
        process; raises ExportError when it fails the gate, dies, or takes over `timeout` s."""
        # The caller has trained with torch: these cost nothing by now.
        from workers.training.export.common import ExportError
        from workers.training.export.process import report_from

        seconds = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + seconds
        request = json.dumps(
            {
                "checkpoint": str(Path(checkpoint).resolve()),
                "onnx_path": str(Path(onnx_path).resolve()),
                "tolerance": tolerance,
            }
        ).encode()
        with self._lock:
            try:
                taken = self._hand_over(request, deadline)
                if taken is False:  # died since the last export (its exit not yet visible)
                    taken = self._hand_over(request, deadline)  # to a new one, once
                if taken is False:
                    raise ExportError(self._death)
                if taken is None or not self._wait(deadline):
                    raise ExportError(f"ONNX export timed out after {seconds:g} s")
                assert self._connection is not None
                report = json.loads(self._connection.recv_bytes())
            except (EOFError, OSError) as exc:  # the export crashed its process
                raise ExportError(self._died()) from exc
            except BaseException:
                # Timed out, or interrupted mid-export (a soft time limit, a KeyboardInterrupt):
                # its answer would be read as the next export's, so the process goes.
                self._kill()
                raise
        return report_from(report)

    def _hand_over(self, request: bytes, deadline: float) -> bool | None:
        """Send `request` to the running export process (started if need be): True once it has
        taken it, False when it died before that (reaped, its end in `_death`), None when it
        has not by `deadline` (still warming up, or stuck)."""
        self._ensure_started()
        assert self._connection is not None
        try:
            self._connection.send_bytes(request)
            if not self._wait(deadline):
                return None
            if self._connection.recv_bytes() == ACCEPTED:
                return True
        except (EOFError, OSError):
            pass
        self._death = self._died()
        return False

    def _wait(self, deadline: float) -> bool:
        assert self._connection is not None
        return self._connection.poll(max(0.0, deadline - time.monotonic()))

    def stop(self, timeout: float = 1.0) -> None:
        """Close the connection (the process exits when it sees that) and reap the process;
        killed if it does not exit within `timeout` s. A pool process stops only between tasks,
        so no export of its own is in flight: what delays the exit is a process still warming up
        (importing the exporters reads nothing for several seconds), and it has nothing to lose.
        A warmed-up one exits at once (child._exit_now: 0.03 s, was 0.5 s of interpreter
        teardown); the old 5 s let a worker stopped soon after its start wait out the warm-up."""
        with self._lock:
            if self._running():
                assert self._proc is not None and self._connection is not None
                self._connection.close()
                self._connection = None
                with contextlib.suppress(subprocess.TimeoutExpired):  # busy: killed below
                    self._proc.wait(timeout)
            if self._proc is not None:
                self._kill()

    def _running(self) -> bool:
        """Started by this process and alive. An idle export process never writes, so anything
        to read before a request means its end of the connection closed: it is dying."""
        return (
            self._proc is not None
            and self._owner == os.getpid()
            and self._proc.poll() is None
            and self._connection is not None
            and not self._connection.poll(0)
        )

    def _ensure_started(self) -> None:
        if self._running():
            return
        if self._proc is not None:
            self._kill()  # died since its last export (or is the parent's): reap, disconnect
        ours, theirs = socket.socketpair()
        with ours, theirs:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "workers.training.export.child",
                    "--serve",
                    str(theirs.fileno()),
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=child_env(),
            )
            self._connection = Connection(ours.detach())
        self._owner = os.getpid()
        self._stderr.clear()
        threading.Thread(
            target=self._drain, args=(self._proc,), name="export-stderr", daemon=True
        ).start()
        log.info("export process %d started", self._proc.pid)

    def _drain(self, proc: subprocess.Popen) -> None:
        """Log the export process's stderr (exporter chatter, tracebacks) and keep its tail."""
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            if line:
                self._stderr.append(line)
                log.debug("export process %d: %s", proc.pid, line)

    def _died(self) -> str:
        """The error of an export whose process died under it; reaps the process."""
        assert self._proc is not None
        proc = self._proc
        try:
            code: int | None = proc.wait(5)
        except subprocess.TimeoutExpired:
            code = None
        self._kill()
        time.sleep(0.05)  # let the drain thread read the last lines
        if code is None:
            how = "closed its connection"
        elif code < 0:
            how = f"killed by signal {-code}"
        else:
            how = f"exit code {code}"
        last = self._stderr[-1] if self._stderr else ""
        return f"ONNX export process {proc.pid} died ({how})" + (f": {last}" if last else "")

    def _kill(self) -> None:
        """Kill and reap the export process (one this process started) and drop the connection."""
        if self._proc is not None and self._owner == os.getpid():
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
        if self._connection is not None:
            self._connection.close()
        self._proc = self._connection = None


def child_env() -> dict[str, str]:
    """The worker's environment, with this package importable wherever the child starts."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    return env


_process = ExportProcess()


def export_process() -> ExportProcess:
    """This worker process's export process (started at pool-process start, or by its first
    export)."""
    return _process
