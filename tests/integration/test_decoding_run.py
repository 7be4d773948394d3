"""A run's results.json states the decoding of every phase, not the checkpoint's defaults."""

from __future__ import annotations

import json

from tide_exp.runs.run import run


def test_results_record_the_effective_decoding_of_each_phase(compose_cfg, tmp_path):
    cfg = compose_cfg(
        "trainer.max_epochs=1",
        # A checkpoint that ships chat defaults, as Qwen's generation_config.json does.
        "+model.loader.generation_config={repetition_penalty: 1.3, top_k: 20, do_sample: true}",
    )
    run(cfg)
    results = json.loads((tmp_path / "results.json").read_text())
    phases = results["phases"]
    decodings = [phases["zs"]["decoding"], phases["ft"]["decoding"]]
    decodings += [v["decoding"] for v in phases["val"]]
    tokenizer_ids = {"eos_token_id", "pad_token_id"}
    for decoding in decodings:
        assert {k: v for k, v in decoding.items() if k not in tokenizer_ids} == {
            "do_sample": False,
            "num_beams": 1,
            "repetition_penalty": 1.0,
            "no_repeat_ngram_size": 0,
            "min_new_tokens": 0,
            "max_new_tokens": 8,  # eval.generation.max_new_tokens of the tiny runs
            "not_from_checkpoint": {"do_sample": True, "repetition_penalty": 1.3, "top_k": 20},
        }
        assert isinstance(decoding["eos_token_id"], int)
