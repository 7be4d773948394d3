"""Named sets of metric names, importable without torch (the report reads them too)."""

from __future__ import annotations

# Study A's automatic metrics, in the order its Table 1 shows them (docs/metrics.md).
STUDY_A_METRICS = (
    "cosine",
    "bertscore_f1",
    "meteor",
    "rouge_l",
    "distinct_1_reply",
    "distinct_2_reply",
    "distinct_1_chunk100",
    "distinct_2_chunk100",
)
