"""The default run's data and reply cap fit the embedded sample (issue 23.1), read back from
what `tide stats sample` writes under the default config and the embedded model's tokenizer."""

import json

from tide_exp.cli.stats import main
from tide_exp.config.compose import compose_config


def test_default_run_trains_on_whole_replies_and_its_cap_fits_every_reference(tmp_path, capfd):
    assert main(["sample", "--out", str(tmp_path)]) == 0
    printed = capfd.readouterr()
    assert "Loading weights" not in printed.out + printed.err  # no model-loading bar in the output
    stats = json.loads((tmp_path / "stats.json").read_text())
    cfg = compose_config([])
    assert stats["max_length"] == cfg.data.max_length
    # Training sees every example whole, end-of-turn token included (before: 49 of 64 cut at 96).
    assert stats["share_over_max_length"] == 0.0
    assert stats["reply_budget"]["cut"] == 0
    # A reply as long as the longest reference (end-of-turn included) ends within the cap.
    assert stats["tokens"]["reply"]["max"] <= cfg.eval.generation.max_new_tokens
