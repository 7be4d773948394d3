"""Study A's published Table 1 and what of ours is comparable with it.

``paper_table1.csv`` holds the paper's numbers (arXiv 2505.15065, Table 1) keyed by hub id;
each of our metrics names the paper column it is shown beside and a note on comparability.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tide_exp.metrics import sets

PAPER_TABLE = Path(__file__).with_name("paper_table1.csv")  # Study A, Table 1 (arXiv 2505.15065)
# The suite's Study A set, then corpus-level distinct (shown, but marked not comparable).
STUDY_A_METRICS = [*sets.STUDY_A_METRICS, "distinct_1", "distinct_2"]
# Our metric -> the paper's column it is shown beside (every distinct pairing is marked not comparable).
PAPER_COLUMN = {
    "cosine": "cosine",
    "bertscore_f1": "bertscore_f1",
    "meteor": "meteor",
    "rouge_l": "rouge_l",
    "distinct_1_chunk100": "distinct_1",
    "distinct_2_chunk100": "distinct_2",
}
NOT_COMPARABLE = {"rouge_l", "distinct_1_chunk100", "distinct_2_chunk100"}

_DISTINCT_NOTE = (
    "not comparable. The paper gives Distinct as mean ± std on 4,000 replies without saying over "
    "what; corpus-level Distinct falls as the set grows (0.23 on 32 replies, 0.15 on 96, a few "
    "hundredths on 4,000), so it cannot be the paper's 0.17-0.25. Ours is per reply "
    "(distinct_n_reply) and per chunk of 100 replies (distinct_n_chunk100, mean ± std across "
    "chunks, independent of the set size); the latter is shown beside the paper's column."
)
COMPARABILITY = {
    "rouge_l": "ours is ROUGE-L F1 of reply vs reference (rouge-score). The paper's 0.79-0.84 cannot "
    "be that: on real small-model replies from the study's own survey it averages about 0.25. "
    "Not comparable.",
    "bertscore_f1": "comparable only when computed with roberta-large, layer 17, no idf, no rescaling "
    "(experiment=tide_paper); the offline default uses all-MiniLM-L6-v2.",
    "distinct_1_chunk100": _DISTINCT_NOTE,
    "distinct_2_chunk100": "as distinct_1_chunk100: " + _DISTINCT_NOTE.split(". ", 1)[0] + ".",
    "distinct_1_reply": "per reply, mean ± std over replies; no paper counterpart.",
    "distinct_2_reply": "per reply, as distinct_1_reply.",
    "distinct_1": "corpus-level over the evaluated set: depends on its size; not comparable.",
    "distinct_2": "corpus-level, as distinct_1.",
    "cosine": "all-MiniLM-L6-v2 sentence embeddings, as in the paper.",
    "meteor": "NLTK meteor_score with WordNet 3.0; the paper's tokenization is not stated.",
}


def read_paper_table(path: Path = PAPER_TABLE) -> dict[str, dict[str, float]]:
    """The paper's Table 1 keyed by hub id: ``{hf_id: {"cosine_zs": 0.56, ...}}``."""
    with path.open(encoding="utf-8") as handle:
        return {
            row["hf_id"]: {k: float(v) for k, v in row.items() if k not in {"model", "hf_id"}}
            for row in csv.DictReader(handle)
        }
