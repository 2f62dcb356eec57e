"""Load on ``unspin serve``: N concurrent clients on loopback for a fixed time.

Starts ``unspin serve`` in a child process on a free 127.0.0.1 port (a throw-away SQLite corpus),
then runs N client threads, each with its own keep-alive connection, posting the example article
to ``POST /api/v1/analyze`` as fast as the server answers, for ``--duration`` seconds. Stops by
itself. Prints throughput, p50 / p99 latency of the answered requests, the 503 + Retry-After
refusals of the bounded queue (a client waits out Retry-After, up to 1 s, and goes on), errors
(any other status, or a broken connection: must be 0) and the server's peak resident memory
(VmHWM from /proc).

Usage:
    python benchmarks/load.py [--clients 8] [--duration 60] [--workers 2] [--detectors baseline]
        [--store]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _memory_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _start_server(args: argparse.Namespace, db: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("UNSPIN_API_KEY", None)
    command = [
        sys.executable, "-m", "unspin.cli", "serve", "--port", str(port), "--db", str(db),
        "--workers", str(args.workers), "--detectors", args.detectors,
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("load.py: unspin serve did not start") from None
            time.sleep(0.2)


def _client(
    port: int,
    body: bytes,
    stop_at: float,
    latencies: list[float],
    errors: list[str],
    busy: list[float],
    lock: threading.Lock,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    mine: list[float] = []
    failures: list[str] = []
    refused: list[float] = []
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/analyze", body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            if response.status == 503 and response.getheader("Retry-After"):
                # the bounded pool said "busy, retry later": back-pressure, not a failure
                refused.append(time.perf_counter() - started)
                time.sleep(min(float(response.getheader("Retry-After") or 1), 1.0))
            elif response.status != 200:
                failures.append(f"HTTP {response.status}: {answer[:300].decode(errors='replace')}")
            else:
                mine.append(time.perf_counter() - started)
        except (OSError, http.client.HTTPException) as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()
    with lock:
        latencies.extend(mine)
        errors.extend(failures)
        busy.extend(refused)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="server analysis workers")
    parser.add_argument("--detectors", default="baseline", help="detector set (default baseline)")
    parser.add_argument("--store", action="store_true", help="also store every document")
    parser.add_argument(
        "--text", type=Path, default=ROOT / "examples" / "ashen-hand.txt", help="article to post"
    )
    args = parser.parse_args()

    text = args.text.read_text("utf-8")
    body = json.dumps({"text": text, "detectors": args.detectors, "store": args.store}).encode()
    with tempfile.TemporaryDirectory() as folder:
        process, port = _start_server(args, Path(folder) / "load.db")
        try:
            baseline_rss = _memory_kib(process.pid, "VmRSS")
            latencies: list[float] = []
            errors: list[str] = []
            busy: list[float] = []
            lock = threading.Lock()
            started = time.monotonic()
            stop_at = started + args.duration
            threads = [
                threading.Thread(
                    target=_client,
                    args=(port, body, stop_at, latencies, errors, busy, lock),
                    daemon=True,
                )
                for _ in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(args.duration + 120)
            elapsed = time.monotonic() - started
            peak_rss = _memory_kib(process.pid, "VmHWM")
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()

    latencies.sort()
    count = len(latencies)
    p50 = statistics.median(latencies) if latencies else float("nan")
    p99 = latencies[min(count - 1, int(0.99 * count))] if latencies else float("nan")
    print(
        f"clients {args.clients}, server workers {args.workers}, detectors {args.detectors}, "
        f"article {len(text):,} characters, store {'on' if args.store else 'off'}"
    )
    print(f"duration      {elapsed:8.1f} s")
    print(f"requests ok   {count:8d}")
    print(f"throughput    {count / elapsed:8.1f} requests/s")
    print(f"latency p50   {p50 * 1000:8.1f} ms")
    print(f"latency p99   {p99 * 1000:8.1f} ms")
    print(f"busy (503)    {len(busy):8d}  (answered with Retry-After when the queue is full)")
    print(f"errors        {len(errors):8d}" + (f"  (first: {errors[0]})" if errors else ""))
    print(f"server RSS    {baseline_rss / 1024:8.1f} MiB at start, {peak_rss / 1024:.1f} MiB peak")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
