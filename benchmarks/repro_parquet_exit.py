"""Reproduce the Parquet abort at interpreter exit, and show our reader does not hit it.

    python benchmarks/repro_parquet_exit.py [--runs 120] [--rows 20000]

Each run is a fresh interpreter that reads one Parquet file and exits at once, either as
``pq.read_table(io.BytesIO(raw))`` did before (``old``) or as ``tide_exp.data.readers`` does now
(``ours``: ``ParquetFile(BufferReader(raw), pre_buffer=False).read(use_threads=False)``). The
old way leaves Arrow's IO and CPU pool threads alive, holding a reference to the Python file
object; when one of them drops it (taking the GIL) while the interpreter is finalizing, CPython
ends that thread with ``pthread_exit``, whose forced unwind through a ``noexcept`` C++ frame calls
``std::terminate``: "terminate called without an active exception", exit status 134. The rate
depends on timing (about 1 in 60 runs on a 2-core machine); ours starts no pool thread.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

READ = {
    "old": "import io, pyarrow.parquet as pq; pq.read_table(io.BytesIO(open(P, 'rb').read()))",
    "ours": (
        "from pathlib import Path; from tide_exp.data.readers import read_records; "
        "from tide_exp.data.records import RowChecker; "
        "list(read_records(Path(P), RowChecker()))"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=120)
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args()
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(tempfile.mkdtemp()) / "rows.parquet"
    rows = [
        {"user_input": f"message {i} " * 5, "reference_response": f"r{i}"} for i in range(args.rows)
    ]
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=500)
    root = Path(__file__).resolve().parents[1]
    for name, code in READ.items():
        codes = collections.Counter(
            subprocess.run(
                [sys.executable, "-c", f"P = {str(path)!r}; {code}"], cwd=root, capture_output=True
            ).returncode
            for _ in range(args.runs)
        )
        print(f"{name:>5}: {args.runs} runs, exit statuses {dict(sorted(codes.items()))}")


if __name__ == "__main__":
    main()
