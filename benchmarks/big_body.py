"""Big request bodies vs the event loop: is GET /healthz still answered while /predict chews?

Starts `seqcast api` on the embedded default with one trained model (`bench-lstm`, trained like
predict_load.py's; --data-dir reuses predict_load's models). A probe process sends GET /healthz
on one keep-alive connection every --interval-ms (5 ms) and logs each answer's latency; meanwhile
this process sends, one after the other, each --repeat times, with a quiet gap between:

- a --big-mb (24 MB) /predict body of ~20,000 windows, once with Content-Length and once
  chunked (Transfer-Encoding: chunked, 64 KiB chunks): it must be refused (4xx: 413 past
  SEQCAST_MAX_INFERENCE_BODY_BYTES, 16 MiB by default, or 422 for the window count past
  SEQCAST_MAX_PREDICT_WINDOWS) without stalling the event loop;
- a legitimate --legit-windows × --legit-length × 3 (1024 × 96 × 3, ~4 MB) /predict: 200;
- a --depth (2,000) deep nested JSON array as `inputs`: must be a 4xx.

The request is sent on a raw socket, so what happens is seen as it is: a server that answers
before the whole body is in is detected (the body stops being sent; "sent" says how much went).
Reports, per request kind, the answer's status and time and the /healthz latency (p50, p99,
max) of every probe whose request overlapped it, against the idle baseline measured first.
Target: /healthz max ≤ 20 ms while the 24 MB body is refused (both framings).

Prints a markdown table; raw figures (every run) go to results/big_body.json.

    .venv/bin/python benchmarks/big_body.py                       # ~1 min (+ training)
    .venv/bin/python benchmarks/big_body.py --data-dir /tmp/load  # reuse predict_load's models

Loopback only; every child is stopped on exit.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import select
import signal
import socket
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from _common import RESULTS_DIR, clean_env, last_window, series, spawn, start_server, stop
from _common import data_dir as make_data_dir
from predict_load import log, machine, prepare_models, terminate_as_exit

MODEL = "bench-lstm"
N_FEATURES = 3
HEALTHZ_TARGET_MS = 20.0
PIECE = 1 << 16  # bytes per send (and per chunk, chunked)


# --- the probe (a process of its own: this one's sends and GIL must not delay it) --------------


def probe(url: str, out: Path, interval_ms: float) -> None:
    """GET /healthz every interval_ms until SIGINT/SIGTERM; one line per answer:
    `start_ns end_ns status` (CLOCK_MONOTONIC, the same clock in every process)."""
    stopping = False

    def handler(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, handler)
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    conn = http.client.HTTPConnection(host, port, timeout=30)
    step = int(interval_ms * 1e6)
    with out.open("w", buffering=1) as f:
        while not stopping:
            t0 = time.monotonic_ns()
            try:
                conn.request("GET", "/healthz")
                answer = conn.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                status = 0
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            t1 = time.monotonic_ns()
            f.write(f"{t0} {t1} {status}\n")
            pause = t0 + step - time.monotonic_ns()
            if pause > 0:
                time.sleep(pause / 1e9)


# --- request bodies ------------------------------------------------------------------------------


def window_json(rows: list[list[float]]) -> bytes:
    return json.dumps(rows, separators=(",", ":")).encode()


def big_body(megabytes: float) -> tuple[bytes, int]:
    """At least `megabytes` MB (10^6 bytes) of /predict: the bench window repeated."""
    one = window_json(last_window(series()))
    n = math.ceil(megabytes * 1e6 / (len(one) + 1))
    head = b'{"model":"' + MODEL.encode() + b'","inputs":['
    return head + b",".join([one] * n) + b"]}", n


def legit_body(windows: int, length: int, seed: int = 0) -> bytes:
    """windows × length × 3 random values, 10 decimals each (~4 MB for 1024 × 96)."""
    values = np.random.default_rng(seed).normal(10, 3, (windows, length, N_FEATURES))

    def rows(window: np.ndarray) -> str:
        return "],[".join(",".join(f"{v:.10f}" for v in row) for row in window)

    inputs = ",".join(f"[[{rows(w)}]]" for w in values)
    return b'{"model":"' + MODEL.encode() + b'","inputs":[' + inputs.encode() + b"]}"


def nested_body(depth: int) -> bytes:
    return b'{"model":"' + MODEL.encode() + b'","inputs":' + b"[" * depth + b"]" * depth + b"}"


# --- one request on a raw socket ----------------------------------------------------------------


def read_answer(sock: socket.socket, already: bytes = b"") -> tuple[int | None, bytes]:
    """The status and body of one HTTP/1.1 answer (Content-Length framed), or (None, b"")."""
    data = bytearray(already)
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1 << 16)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = bytes(data).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = bytearray(rest)
    while len(body) < length:
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        body += chunk
    return status, bytes(body[:length])


def post(url: str, body: bytes, chunked: bool) -> dict:
    """POST body to /predict; stops sending as soon as an answer arrives (an early refusal)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    sock = socket.create_connection((host, port), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
    head = (
        f"POST /predict HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"{framing}\r\nConnection: close\r\n\r\n"
    ).encode()
    sent, early, error = 0, False, None
    started = time.monotonic_ns()
    try:
        sock.sendall(head)
        view = memoryview(body)
        for i in range(0, len(body), PIECE):
            piece = view[i : i + PIECE]
            if chunked:
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            else:
                sock.sendall(piece)
            sent += len(piece)
            if select.select([sock], [], [], 0)[0]:
                early = sent < len(body)
                break
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        status, answer = read_answer(sock)
    except OSError as exc:  # reset / broken pipe: the server gave up on the body
        error = f"{type(exc).__name__}: {exc}"
        status, answer = None, b""
        with contextlib.suppress(OSError):
            status, answer = read_answer(sock)
    finally:
        ended = time.monotonic_ns()
        sock.close()
    return {
        "status": status,
        "seconds": (ended - started) / 1e9,
        "start_ns": started,
        "end_ns": ended,
        "body_bytes": len(body),
        "sent_bytes": sent,
        "answered_early": early,
        "error": error,
        "answer": answer[:300].decode(errors="replace"),
        "answer_bytes": len(answer),
    }


# --- analysis -----------------------------------------------------------------------------------


def load_probes(path: Path) -> list[tuple[int, int, int]]:
    samples = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) == 3:
            samples.append((int(fields[0]), int(fields[1]), int(fields[2])))
    return samples


def overlapping(
    samples: list[tuple[int, int, int]], windows: list[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """Probes whose request was in flight at some point of one of the windows."""
    return [s for s in samples if any(s[0] < end and s[1] > start for start, end in windows)]


def latency_stats(samples: list[tuple[int, int, int]]) -> dict:
    ms = sorted((end - start) / 1e6 for start, end, _ in samples)
    if not ms:
        return {"samples": 0, "p50_ms": None, "p99_ms": None, "max_ms": None, "failed": 0}
    return {
        "samples": len(ms),
        "p50_ms": statistics.median(ms),
        "p99_ms": ms[min(len(ms) - 1, math.ceil(0.99 * len(ms)) - 1)],
        "max_ms": ms[-1],
        "failed": sum(1 for *_, status in samples if status != 200),
    }


def fmt_ms(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f} ms"


def fmt_mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} B"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mb", type=float, default=24, help="the refused body, MB (10^6)")
    parser.add_argument("--legit-windows", type=int, default=1024)
    parser.add_argument("--legit-length", type=int, default=96)
    parser.add_argument("--depth", type=int, default=2000, help="nesting of the deep array")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each request kind")
    parser.add_argument("--interval-ms", type=float, default=5, help="between /healthz probes")
    parser.add_argument("--idle-s", type=float, default=3, help="idle baseline before requests")
    parser.add_argument("--gap-s", type=float, default=1, help="quiet time between requests")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, help="reuse (or keep) the trained model here")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SEQCAST_NAME=VALUE",
        help="a setting for the server (repeatable), e.g. SEQCAST_MAX_BODY_BYTES=16777216",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "big_body.json")
    parser.add_argument("--probe", help=argparse.SUPPRESS)  # internal: run as the probe
    parser.add_argument("--probe-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe, args.probe_out, args.interval_ms)
        return
    server_env = dict(item.split("=", 1) for item in args.set)
    if any(not k.startswith("SEQCAST_") for k in server_env):
        parser.error("--set takes SEQCAST_NAME=VALUE")

    log("building the bodies …")
    big, big_windows = big_body(args.big_mb)
    legit = legit_body(args.legit_windows, args.legit_length)
    nested = nested_body(args.depth)
    kinds = [
        ("big", f"{fmt_mb(len(big))}, {big_windows:,} windows, Content-Length", big, False),
        ("big-chunked", f"{fmt_mb(len(big))}, {big_windows:,} windows, chunked", big, True),
        (
            "legit",
            f"{fmt_mb(len(legit))}, {args.legit_windows} × {args.legit_length} × {N_FEATURES}",
            legit,
            False,
        ),
        ("nested", f"{args.depth:,}-deep nested array ({fmt_mb(len(nested))})", nested, False),
    ]
    expected = {"big": "4xx", "big-chunked": "4xx", "legit": "200", "nested": "4xx"}
    started = time.time()
    meta = machine()
    with contextlib.ExitStack() as stack, terminate_as_exit():
        data_dir = make_data_dir(stack, args.data_dir, "seqcast-big-body-")
        prepare_models(data_dir, ["lstm"], args.epochs)
        proc, url = start_server(data_dir, "api", "logs/big-body-api.log", env=server_env)
        stack.callback(stop, proc, 15)
        probe_out = data_dir / "big-body-probe.txt"
        probe_proc = spawn(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--probe",
                url,
                "--probe-out",
                str(probe_out),
                "--interval-ms",
                str(args.interval_ms),
            ],
            clean_env(),
            data_dir / "logs" / "big-body-probe.log",
        )
        stack.callback(stop, probe_proc, 15)
        # Warm up: the model loaded, the first-call allocations made, the probe connected.
        warm = post(url, legit_body(4, 48, seed=1), chunked=False)
        if warm["status"] != 200:
            raise SystemExit(f"warm-up /predict answered {warm['status']}: {warm['answer']}")
        time.sleep(0.5)
        log(f"idle baseline ({args.idle_s:.0f} s) …")
        idle = (time.monotonic_ns(), 0)
        time.sleep(args.idle_s)
        idle = (idle[0], time.monotonic_ns())
        runs: dict[str, list[dict]] = {k: [] for k, *_ in kinds}
        for i in range(args.repeat):
            for key, _, body, chunked in kinds:
                result = post(url, body, chunked)
                runs[key].append(result)
                log(
                    f"  run {i + 1} {key:<12} {result['status']}  {result['seconds'] * 1000:8.1f} "
                    f"ms  sent {fmt_mb(result['sent_bytes'])}"
                    + (f"  ({result['error']})" if result["error"] else "")
                )
                time.sleep(args.gap_s)
        stop(probe_proc, 15)
        samples = load_probes(probe_out)
        log_path = data_dir / "logs" / "big-body-api.log"
        server_log_tail = log_path.read_text(errors="replace").splitlines()[-5:]

    baseline = latency_stats([s for s in samples if idle[0] <= s[0] and s[1] <= idle[1]])
    report = []
    for key, label, _, _ in kinds:
        rs = runs[key]
        healthz = latency_stats(overlapping(samples, [(r["start_ns"], r["end_ns"]) for r in rs]))
        statuses = [r["status"] for r in rs]
        want = expected[key]
        status_ok = all(
            s is not None and (400 <= s < 500 if want == "4xx" else s == 200) for s in statuses
        )
        verdict = "pass" if status_ok else "FAIL"
        if key.startswith("big"):
            fast = healthz["max_ms"] is not None and healthz["max_ms"] <= HEALTHZ_TARGET_MS
            verdict = "pass" if status_ok and fast else "FAIL"
        report.append(
            {
                "request": key,
                "body": label,
                "expected": want,
                "statuses": statuses,
                "seconds_median": statistics.median(r["seconds"] for r in rs),
                "seconds_max": max(r["seconds"] for r in rs),
                "sent_bytes_max": max(r["sent_bytes"] for r in rs),
                "body_bytes": rs[0]["body_bytes"],
                "healthz": healthz,
                "verdict": verdict,
                "answer": rs[0]["answer"],
            }
        )

    out = [
        "| request | body | expected | status | time (median / max) | sent | /healthz probes "
        "| p50 | p99 | max | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| idle | none | | | | | {baseline['samples']} | {fmt_ms(baseline['p50_ms'])} "
        f"| {fmt_ms(baseline['p99_ms'])} | {fmt_ms(baseline['max_ms'])} | |",
    ]
    for r in report:
        h = r["healthz"]
        statuses = ", ".join(sorted({str(s) for s in r["statuses"]}))
        target = (
            f"4xx and /healthz max ≤ {HEALTHZ_TARGET_MS:.0f} ms"
            if r["request"].startswith("big")
            else r["expected"]
        )
        out.append(
            f"| {r['request']} | {r['body']} | {r['expected']} | {statuses} "
            f"| {r['seconds_median'] * 1000:.1f} / {r['seconds_max'] * 1000:.1f} ms "
            f"| {fmt_mb(r['sent_bytes_max'])} of {fmt_mb(r['body_bytes'])} | {h['samples']} "
            f"| {fmt_ms(h['p50_ms'])} | {fmt_ms(h['p99_ms'])} | {fmt_ms(h['max_ms'])} "
            f"| {target}: {r['verdict']} |"
        )
    load = os.getloadavg()
    notes = [
        f"{meta['arch']}, {meta['cpu'] or 'unknown CPU'}, {meta['cores']} cores; "
        f"{meta['checkout']}; load average after: {'/'.join(f'{x:.2f}' for x in load)}.",
        "`seqcast api` on the embedded default"
        + (f" with {', '.join(f'{k}={v}' for k, v in server_env.items())}" if server_env else "")
        + f"; {args.repeat} run(s) of each request, {args.gap_s:g} s apart; /healthz every "
        f"{args.interval_ms:g} ms on one keep-alive connection from a process of its own; a "
        "probe counts for a request when the two were in flight at the same time.",
        "sent: how much of the body had gone out when the answer came (less than the body: "
        "the server answered before reading it all).",
        "First answers: " + "; ".join(f"{r['request']}: {r['answer'][:160]!r}" for r in report),
    ]
    print("\n".join([*out, "", "Notes:", *(f"- {n}" for n in notes)]))
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(started)),
        "wall_s": round(time.time() - started, 1),
        "machine": meta,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "idle_healthz": baseline,
        "requests": report,
        "runs": {
            k: [{n: v for n, v in r.items() if not n.endswith("_ns")} for r in rs]
            for k, rs in runs.items()
        },
        "healthz_target_ms": HEALTHZ_TARGET_MS,
        "server_log_tail": server_log_tail,
        "notes": notes,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"raw results: {args.out} ({result['wall_s']:.0f} s in all)")


if __name__ == "__main__":
    main()
