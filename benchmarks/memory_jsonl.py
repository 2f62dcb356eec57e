"""Peak memory and throughput of ``unspin analyze --format jsonl`` over many short documents.

Writes N short documents (default 10,000) as JSONL, runs the CLI over them in a child process
for each detector set, and prints the child's peak resident memory (``ru_maxrss`` from the
child's own resource usage) and documents per second. A smaller run (N/10) is measured too: flat
memory means the two peaks are about the same.

Usage:
    python benchmarks/memory_jsonl.py [--docs 10000] [--detectors baseline,default]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Made-up sentence parts, recombined so that no two documents are the same.
SUBJECTS = [
    "The minister",
    "A spokesman for the council",
    "Officials in Veyra",
    "The mayor",
    "Critics of the plan",
    "The Harbor Relief Network",
    "President Lena Varga",
]
VERBS = ["said", "claimed", "warned", "denied", "announced", "insisted"]
CLAIMS = [
    "that 12,000 homes had lost power",
    "that the corrupt elite had lied again",
    "that prices rose by 4 percent in March 2024",
    "that the talks would resume on 3 May",
    "that the so-called reform was a disaster",
    "that nobody had been arrested",
]
TAILS = [
    "Nobody in the city believes it.",
    "The claim could not be checked.",
    "Its critics called it shameful.",
    "More talks are planned for next week.",
]


def write_documents(path: Path, count: int, seed: int = 7) -> None:
    """Write ``count`` short JSONL documents to ``path``."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            text = (
                f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(CLAIMS)}. "
                f"{rng.choice(TAILS)} (Report {index}.)"
            )
            out.write(json.dumps({"id": f"doc-{index}", "text": text}) + "\n")


def run(path: Path, detectors: str) -> tuple[float, int, int]:
    """Run the CLI; return (seconds, peak RSS in KiB, exit code)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    command = [
        sys.executable,
        "-m",
        "unspin.cli",
        "analyze",
        str(path),
        "--format",
        "jsonl",
        "--detectors",
        detectors,
        "--quiet",
        "-o",
        os.devnull,
    ]
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return seconds, int(usage.ru_maxrss), child.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents in the big run")
    parser.add_argument(
        "--detectors", default="baseline,default", help="sets to measure, comma-separated"
    )
    args = parser.parse_args()
    sizes = [max(1, args.docs // 10), args.docs]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'detectors':<10} {'docs':>7} {'seconds':>8} {'docs/s':>8} {'peak RSS MiB':>13}")
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        for detectors in args.detectors.split(","):
            for size in sizes:
                path = Path(folder) / f"docs-{size}.jsonl"
                if not path.exists():
                    write_documents(path, size)
                seconds, rss_kib, code = run(path, detectors)
                failed = failed or code != 0
                print(
                    f"{detectors:<10} {size:>7} {seconds:>8.1f} {size / seconds:>8.0f} "
                    f"{rss_kib / 1024:>13.1f}" + ("" if code == 0 else f"  (exit {code})"),
                    flush=True,
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
