"""The format readers under the loaders: Parquet without Arrow's thread pools."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_parquet_is_read_without_starting_arrow_threads(tmp_path):
    """Arrow pool threads alive at interpreter exit abort the process (rc 134, "terminate called
    without an active exception"); reading in the calling thread leaves none behind."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [
        {"user_input": f"message {i}", "reference_response": f"reply {i}", "persona_id": f"p{i}"}
        for i in range(2000)
    ]
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=100)
    # A fresh interpreter: the test process may already hold Arrow's pools from other tests.
    script = textwrap.dedent(
        f"""
        import os
        import pyarrow.parquet
        from tide_exp.data.flat_file import load_flat_file
        before = len(os.listdir("/proc/self/task"))
        corpus = load_flat_file({str(path)!r})
        after = len(os.listdir("/proc/self/task"))
        print(len(corpus), before, after)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded, before, after = map(int, out.stdout.split())
    assert loaded == 2000 and after == before, out.stderr
