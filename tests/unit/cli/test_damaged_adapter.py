"""A run whose adapter is truncated, corrupt or missing: chat, export and the safety probe say
so in one line (export and the probe before the model loads)."""

from __future__ import annotations

import pytest

from tide_exp.cli.main import main


def _truncate(adapter):
    weights = adapter / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])


def _corrupt_config(adapter):
    (adapter / "adapter_config.json").write_text('{"peft_type": "LORA", "r": "many"')


def _no_weights(adapter):
    (adapter / "adapter_model.safetensors").unlink()


def _no_model_load(*args, **kwargs):
    raise AssertionError("the model loaded before the adapter was checked")


@pytest.mark.parametrize(
    "damage", [_truncate, _corrupt_config, _no_weights], ids=lambda f: f.__name__[1:]
)
@pytest.mark.parametrize("command", ["chat", "export", "safety"])
def test_a_damaged_adapter_is_one_line_naming_it(
    tiny_run, damage, command, tmp_path, monkeypatch, capsys
):
    import io

    damage(tiny_run / "adapter")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"hello\n")))
    argv = {
        "chat": ["chat", "--run", str(tiny_run)],
        "export": ["export", str(tiny_run), "--out", str(tmp_path / "merged")],
        "safety": ["safety", "probe", "--adapter", str(tiny_run / "adapter")]
        + ["--out", str(tmp_path / "merged"), "--max-prompts", "1"],  # was peft's traceback
    }[command]
    if command != "chat":  # named before the model loads
        monkeypatch.setattr("hydra.utils.instantiate", _no_model_load)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "adapter" in err
    assert not (tmp_path / "merged").exists()
