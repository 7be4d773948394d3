"""Study B's Table 2 page in `tide report`: base vs fine-tuned, ours beside the report's."""

from __future__ import annotations

import csv
import io
import json

from tide_exp.reporting.table1 import write_report


def _run(path, validation: bool, perplexity: str = "token") -> None:
    path.mkdir(parents=True)

    def metrics(prescriptive: float) -> dict:
        cosine = 0.5 if prescriptive == 2.0 else 0.50002  # a change of +0.004%
        return {
            "cosine": {"mean": cosine, "std": 0.1, "n": 2, "level": "sample"},
            "prescriptive_markers": {"mean": prescriptive, "std": 0.0, "n": 2, "level": "sample"},
        }

    def val(loss: float, dialogue: float) -> dict:
        token = round(2.718281828459045**loss, 6)
        chosen = token if perplexity == "token" else dialogue
        return {
            "loss": loss,
            "perplexity": chosen,
            "perplexity_token": token,
            "perplexity_dialogue": dialogue,
            "tokens": 10,
            "dialogues": 2,
        }

    results = {
        "status": "ok",
        "model": {"name": "qwen", "display_name": "Qwen", "hf_id": None},
        "phases": {"zs": {"metrics": metrics(2.0)}, "ft": {"metrics": metrics(1.0)}},
        "validation": {"zs": val(2.0, 10.0), "ft": val(1.0, 5.0)} if validation else {},
        "not_computed": {"dialogbert_continuity": "no public definition"},
    }
    (path / "results.json").write_text(json.dumps(results))


def test_table2_page_shows_each_figure_with_its_change_and_the_reports(tmp_path):
    _run(tmp_path / "runs" / "0", validation=True)
    files = write_report([tmp_path / "runs"], tmp_path / "report")
    text = files["table2"].read_text()
    # Ours: base 2 -> fine-tuned 1 prescriptive markers per reply is -50%; the report's -28%.
    assert "| prescriptive markers per reply | 2.000 | 1.000 | -50.0% |  | -28.0% |" in text
    assert "| validation loss | 2.000 | 1.000 | -50.0% | 2.207 -> 2.189 | -0.8% |" in text
    # Both perplexity readings; the one eval.perplexity chose is marked.
    assert "| perplexity, token reading (chosen) | 7.389 | 2.718 | -63.2% | 16.44" in text
    assert "| perplexity, dialogue reading | 10.000 | 5.000 | -50.0% | 16.44" in text
    assert "| DialogBERT continuity | - | - | - | 0.712 -> 0.763 |" in text
    assert "| gen/cosine | 0.500 | 0.500 | +0.004% |" in text  # not "+0.0%"
    rows = list(csv.DictReader(io.StringIO(files["table2_csv"].read_text())))
    chosen = [r["figure"] for r in rows if r["chosen"] == "True"]
    assert chosen == ["val/perplexity_token"]
    assert {r["figure"] for r in rows} >= {"gen/prescriptive_markers", "val/perplexity_dialogue"}


def test_the_dialogue_reading_is_marked_when_the_run_chose_it(tmp_path):
    _run(tmp_path / "runs" / "0", validation=True, perplexity="dialogue")
    text = write_report([tmp_path / "runs"], tmp_path / "report")["table2"].read_text()
    assert "| perplexity, dialogue reading (chosen) |" in text
    assert "| perplexity, token reading |" in text


def test_no_table2_without_a_base_and_adapter_validation(tmp_path):
    _run(tmp_path / "runs" / "0", validation=False)
    files = write_report([tmp_path / "runs"], tmp_path / "report")
    assert "table2" not in files and not (tmp_path / "report" / "table2.md").exists()
