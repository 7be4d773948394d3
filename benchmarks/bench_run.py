"""Time the two set-up promises of the README on this machine.

1. ``make run`` from a fresh clone: venv, installs, GGUF conversion (empty model cache), the run.
2. A second ``python -m tide_exp`` in the same clone (models cached): target <= 3 minutes.

Usage::

    python benchmarks/bench_run.py [--skip-fresh] [--out benchmarks/results/run_timings.json]

The clone is made from this checkout's HEAD into a temp folder, so uncommitted changes are not
measured. Results are written as JSON (atomically) and printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> float:
    """Run ``cmd``, send its output to ``log``, return wall seconds; raise on failure."""
    start = time.perf_counter()
    with log.open("w") as handle:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}); see {log}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-fresh", action="store_true", help="only time a run in this checkout"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "run_timings.json"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tide-bench-"))
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "WANDB_MODE": "offline",
        "TIDE_EXP_CACHE": str(work / "cache"),
    }
    figures: dict[str, float] = {}
    if args.skip_fresh:
        clone, python = ROOT, sys.executable
    else:
        clone = work / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        figures["fresh_make_run_s"] = timed(["make", "run"], clone, env, work / "make_run.log")
        python = str(clone / ".venv" / "bin" / "python")
    figures["second_run_s"] = timed([python, "-m", "tide_exp"], clone, env, work / "second_run.log")

    record = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        **{k: round(v, 1) for k, v in figures.items()},
        "logs": str(work),
    }
    sys.path.insert(0, str(ROOT))
    from tide_exp.files.writers import write_json

    write_json(args.out, record)
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
