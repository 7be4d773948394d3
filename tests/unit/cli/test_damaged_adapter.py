"""A run whose adapter is truncated, corrupt or missing: chat and export say so in one line."""

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


@pytest.mark.parametrize(
    "damage", [_truncate, _corrupt_config, _no_weights], ids=lambda f: f.__name__[1:]
)
@pytest.mark.parametrize("command", ["chat", "export"])
def test_a_damaged_adapter_is_one_line_naming_it(
    tiny_run, damage, command, tmp_path, monkeypatch, capsys
):
    import io

    damage(tiny_run / "adapter")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"hello\n")))
    argv = (
        ["chat", "--run", str(tiny_run)]
        if command == "chat"
        else ["export", str(tiny_run), "--out", str(tmp_path / "merged")]
    )
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "adapter" in err
    assert not (tmp_path / "merged").exists()
