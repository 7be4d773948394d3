import json
from pathlib import Path

from data_fixtures import write_flat

from tide_exp.cli.stats import main
from tide_exp.data.stats import compute_stats
from tide_exp.data.tide_folder import load_tide_folder

TEST_CONF = Path(__file__).resolve().parents[2] / "configs"
TINY = ["model=tiny_llama", f"hydra.searchpath=[file://{TEST_CONF}]"]


def test_counts_lengths_and_share_over_max_length(tiny_chat):
    examples = load_tide_folder()
    stats = compute_stats(examples, tiny_chat, max_length=96)
    assert stats["examples"] == 800 and stats["personas"] == 40
    assert stats["examples_per_persona"]["min"] == stats["examples_per_persona"]["max"] == 20
    assert sum(stats["per_theme"].values()) == 800 and len(stats["per_theme"]) == 6
    lengths = stats["_lengths"]
    assert [p + r for p, r in zip(lengths["prompt"], lengths["reply"], strict=True)] == lengths[
        "total"
    ]
    assert stats["share_over_max_length"] == round(sum(t > 96 for t in lengths["total"]) / 800, 4)
    assert compute_stats(examples, tiny_chat, max_length=10_000)["share_over_max_length"] == 0.0


def test_cli_on_a_config_and_on_a_path(tmp_path, capsys):
    assert main(["sample", *TINY, "data.max_length=64", "--out", str(tmp_path / "cfg")]) == 0
    stats = json.loads((tmp_path / "cfg" / "stats.json").read_text())
    assert stats["examples"] == 800 and stats["max_length"] == 64 and "_lengths" not in stats
    assert (tmp_path / "cfg" / "lengths.png").read_bytes()[:4] == b"\x89PNG"
    assert "over max_length=64" in capsys.readouterr().out
    path = write_flat(tmp_path / "rows.csv")
    assert main([str(path), *TINY, "--out", str(tmp_path / "flat")]) == 0
    assert json.loads((tmp_path / "flat" / "stats.json").read_text())["examples"] == 4


def test_cli_error_is_one_line(tmp_path, capsys):
    assert main([str(tmp_path / "missing"), *TINY, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_cli_prints_the_reply_budget_a_run_would_check(tmp_path, capsys):
    out = tmp_path / "paper"
    args = ["sample", *TINY, "experiment=tide_paper"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    stats = json.loads((out / "stats.json").read_text())
    assert stats["max_length"] == 256 and stats["max_target_tokens"] == 64
    budget = stats["reply_budget"]
    assert budget["examples"] == 800 and budget["starved_share"] == 0.0
    assert 16 < budget["mean_learned"] <= 64
    line = f"{budget['mean_learned']:.1f} of {budget['mean_reply']:.1f} reply tokens learned"
    assert f"max_length=256, max_target_tokens=64): {line}" in printed
    assert stats["persona"]["without_persona"] == 0
    assert "persona context: in all 800 prompts" in printed
    # The study's literal limit on the whole sequence: the figures a run would stop on.
    assert main([*args, "data.max_length=80", "--out", str(tmp_path / "literal")]) == 0
    literal = json.loads((tmp_path / "literal" / "stats.json").read_text())["reply_budget"]
    assert literal["starved_share"] > 0.5 and literal["mean_learned"] < 16
