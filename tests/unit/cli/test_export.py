from __future__ import annotations

import os

import pytest
import torch
from transformers import AutoModelForCausalLM

from tide_exp.cli.export import export_run, main
from tide_exp.cli.session import run_config
from tide_exp.models.adapter import adapter_dir
from tide_exp.models.configured import load_configured


def test_export_loads_standalone_with_the_adapter_models_logits(tiny_run, tmp_path):
    out = export_run(tiny_run, tmp_path / "merged")
    merged = AutoModelForCausalLM.from_pretrained(out)
    assert not any("lora" in name for name, _ in merged.named_parameters())
    adapted = load_configured(run_config(tiny_run), adapter_dir(tiny_run)).model.eval()
    loaded = load_configured(run_config(tiny_run))
    base, tokenizer = loaded.model.eval(), loaded.tokenizer
    ids = tokenizer("I keep reliving that night.", return_tensors="pt").input_ids
    with torch.no_grad():
        expected = adapted(ids).logits
        got = merged(ids).logits
        unadapted = base(ids).logits
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)
    assert not torch.allclose(unadapted, expected, atol=1e-3)  # the adapter changes the model
    assert (out / "tokenizer.json").is_file() and (out / "README.md").is_file()
    mask = os.umask(0)
    os.umask(mask)  # safetensors writes 0600; a shared machine's others must read the model
    assert all(p.stat().st_mode & 0o777 == 0o666 & ~mask for p in out.iterdir())


def test_export_refuses_to_overwrite_and_names_a_missing_adapter(tiny_run, tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    assert main([str(tiny_run), "--out", str(tmp_path / "taken")]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert main([str(tmp_path), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not a tide_exp run folder" in err and err.count("\n") == 1


@pytest.mark.parametrize("dtype", ["bfloat16"])
def test_export_casts_after_merging(tiny_run, tmp_path, dtype):
    out = export_run(tiny_run, tmp_path / "m", dtype=dtype)
    merged = AutoModelForCausalLM.from_pretrained(out, dtype="auto")
    assert next(merged.parameters()).dtype == getattr(torch, dtype)


def test_export_never_replaces_its_run_or_writes_inside_it(tiny_run, capsys):
    adapter = (tiny_run / "adapter" / "adapter_model.safetensors").read_bytes()
    for out in (tiny_run, tiny_run / "adapter", tiny_run.parent, tiny_run / "merged"):
        assert main([str(tiny_run), "--out", str(out), "--force"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {out}") and err.count("\n") == 1, err
    assert (tiny_run / "adapter" / "adapter_model.safetensors").read_bytes() == adapter
    assert (tiny_run / ".hydra" / "config.yaml").is_file()
    assert not (tiny_run / "merged").exists()


KILLED_EXPORT = """
import os, signal, sys
from transformers import PreTrainedModel
from tide_exp.cli.export import main

save = PreTrainedModel.save_pretrained

def save_then_die(self, *args, **kwargs):
    save(self, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9 after the weights, before the rename

PreTrainedModel.save_pretrained = save_then_die
main(sys.argv[1:])
"""


def test_a_killed_export_leaves_no_temp_folder_after_the_next_export(tiny_run, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "exports" / "merged"
    argv = [str(tiny_run), "--out", str(out)]
    killed = subprocess.run([sys.executable, "-c", KILLED_EXPORT, *argv], capture_output=True)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert not out.exists() and list(out.parent.iterdir())  # the killed export's temp folder
    assert main(argv) == 0
    assert [p.name for p in out.parent.iterdir()] == ["merged"]
