from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tide_exp.cli.compare import main, write_comparison

HOSTILE = '<script>alert("x")</script> a | b & c'


def fake_run(root: Path, name: str, slug: str, shift: float) -> Path:
    run = root / name
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra" / "config.yaml").write_text(
        f"model:\n  name: {slug}\n  display_name: {slug.upper()}\n", encoding="utf-8"
    )
    rows = []
    for phase, base in (("zs", 0.1), ("val", 0.3), ("ft", 0.5)):
        for i in range(3):
            rows.append(
                {
                    "phase": phase,
                    "epoch": None if phase == "zs" else 0,
                    "model": slug,
                    "example_id": f"ex{i}",
                    "persona_id": f"p{i}",
                    "theme": "sleep",
                    "prompt": f"prompt {i}: I cannot sleep" + (f" {HOSTILE}" if i == 0 else ""),
                    "reference": f"reference {i}",
                    "prediction": f"{slug} {phase} reply {i}" + ("\nsecond line" if i == 1 else ""),
                    "scores": {"rouge_l": base + shift + i / 10, "cosine": base},
                }
            )
    (run / "generations.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    return run


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    fake_run(tmp_path / "sweep", "0_alpha", "alpha", 0.0)
    fake_run(tmp_path / "sweep", "1_beta", "beta", 0.2)
    return tmp_path / "sweep"


def test_markdown_has_every_reply_with_its_scores_and_the_means(sweep, tmp_path):
    files = write_comparison([sweep], tmp_path / "out")
    md = files["markdown"].read_text(encoding="utf-8")
    assert "| alpha | zero-shot | alpha zs reply 0 | 0.100 | 0.100 |" in md
    assert "| beta | fine-tuned | beta ft reply 2 | 0.900 | 0.500 |" in md
    assert "val reply" not in md  # only zero-shot and fine-tuned rows
    assert "| alpha | fine-tuned | 0.6000 | 0.5000 |" in md  # mean rouge_l 0.5, 0.6, 0.7
    assert "**Reference:** reference 1" in md
    assert "alpha ft reply 1<br>second line" in md
    assert "&lt;script&gt;" in md and "a \\| b &amp; c" in md and "<script>" not in md


def test_html_is_self_contained_and_escaped(sweep, tmp_path):
    page = write_comparison([sweep], tmp_path / "out", metrics=["rouge_l"])["html"]
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and "&lt;script&gt;alert(&quot;x&quot;)" in text
    assert "http://" not in text and "https://" not in text and "src=" not in text
    assert text.count('class="card"') == 3 and text.count('class="reply zs"') == 6
    assert "rouge_l 0.300" in text and "cosine" not in text  # --metrics keeps only rouge_l


def test_cli_limit_and_one_line_error(sweep, tmp_path, capsys):
    assert main([str(sweep), "--out", str(tmp_path / "o"), "--limit", "1"]) == 0
    assert (tmp_path / "o" / "compare.html").read_text().count('class="card"') == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([str(empty), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install chromium)")
def test_html_renders_in_headless_chromium(sweep, tmp_path):
    from PIL import Image

    page = write_comparison([sweep], tmp_path / "out")["html"]
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(
        [*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    # The hostile prompt stays text: no script element in the rendered DOM.
    assert "<script>" not in dom.stdout and "&lt;script&gt;" in dom.stdout
    assert "beta ft reply 2" in dom.stdout
    png = tmp_path / "page.png"
    shot = subprocess.run(
        [*flags, f"--screenshot={png}", "--window-size=1200,900", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.returncode == 0 and png.is_file(), shot.stderr[-2000:]
    image = Image.open(png).convert("RGB")
    assert image.size == (1200, 900)
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # text and styled boxes, not a blank page


def test_score_names_in_markdown_headers_are_escaped(tmp_path):
    run = fake_run(tmp_path / "sweep", "0_alpha", "alpha", 0.0)
    path = run / "generations.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        row["scores"] = {"<b>bold</b>": 0.5}  # a user's own metric name, as written
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    md = write_comparison([tmp_path / "sweep"], tmp_path / "out")["markdown"].read_text()
    assert "<b>" not in md and "&lt;b&gt;bold&lt;/b&gt;" in md


def test_runs_on_other_corpora_never_pair_a_reply_with_another_message(sweep, tmp_path):
    """Example ids coincide, messages differ: those replies are left out, and counted."""
    path = sweep / "1_beta" / "generations.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        if row["example_id"] == "ex1":
            row["prompt"] = "a different message under the same id"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    md = write_comparison([sweep], tmp_path / "out")["markdown"].read_text()
    assert "2 prompts, runs:" in md and "2 prompt(s) left out" in md  # each run's ex1
    assert "reply 1" not in md and "a different message" not in md
    assert "alpha zs reply 0" in md and "beta ft reply 2" in md
