"""``tide export``: a run's LoRA adapter merged into a standalone Hugging Face model folder.

```
tide export outputs/2026-01-01/12-00-00_smollm2_135m                # -> outputs/export/<run>
tide export multirun/2026-01-01/12-00-00/0_qwen2_5_0_5b --out merged/qwen --dtype bfloat16
```

The base model is loaded again as the run's config says, in float32 and without quantization
(merging into 4-bit weights would round the update away), the adapter is applied and merged
into it (``merge_and_unload``), and the result is cast to ``--dtype`` and saved with its
tokenizer, so ``AutoModelForCausalLM.from_pretrained(folder)`` loads it without peft or
tide_exp. The folder carries the run's chat settings and decoding (the chat template with the
run's system prompt as its default, ``generation_config.json`` with evaluation's decoding) and a
model card (:mod:`tide_exp.runs.model_files`): ``apply_chat_template`` and ``generate`` with no
arguments give the run's fine-tuned replies. The folder is written atomically (temp folder,
then rename); the temp folder of an export killed midway is removed by the next export to the
same place.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from tide_exp.cli.conventions import cli_entry, command_parser
from tide_exp.cli.registry import Command
from tide_exp.cli.session import run_config
from tide_exp.errors import TideError
from tide_exp.files.atomic import write_folder
from tide_exp.files.checks import check_output
from tide_exp.models.adapter import adapter_dir, check_adapter, load_adapter
from tide_exp.models.configured import load_configured
from tide_exp.runs.folder import RunFolder
from tide_exp.runs.model_files import model_files, write_model_files

COMMAND = Command(
    name="export",
    summary="merge a run's adapter into a standalone Hugging Face model folder",
    example="tide export outputs/2026-01-01/12-00-00_smollm2_135m --out outputs/merged/smollm2",
    order=20,
)

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``tide export``."""
    parser = command_parser("export", __doc__.split("\n\n")[0], prog="tide export")
    parser.add_argument("run", type=Path, help="a finished run folder (with adapter/)")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: outputs/export/<run>)"
    )
    parser.add_argument(
        "--dtype",
        choices=sorted(DTYPES),
        default="float32",
        help="dtype of the saved weights; merging is always done in float32 (default float32)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing --out folder")
    return parser


def merge_adapter(run: Path):
    """The run's base model in float32 with its adapter merged in, its chat formatter (with
    the tokenizer) and the run's config."""
    cfg = run_config(run)
    adapter = adapter_dir(run)
    loaded = load_configured(cfg, dtype="float32", quantization_config=None)
    model = loaded.model.eval().to(torch.float32)
    merged = load_adapter(model, adapter).merge_and_unload()
    return merged, loaded.chat, cfg


def export_run(run: Path, out: Path, dtype: str = "float32", force: bool = False) -> Path:
    """Merge ``run``'s adapter and save a standalone model folder at ``out``.

    ``out`` is checked before the model loads: never the run, inside it or above it (``--force``
    would replace the run or its adapter), and somewhere writable.
    """
    run_config(run), check_adapter(adapter_dir(run))  # no run, or a damaged adapter: first
    check_output(out, inputs=[run], replace=True)
    if out.exists() and not force:
        raise TideError(
            f"{out} already exists; pass --force to replace it or choose another --out."
        )
    merged, chat, cfg = merge_adapter(run)
    merged = merged.to(DTYPES[dtype])
    hub_id = cfg.model.get("hf_id")
    merged.config.name_or_path = hub_id or str(out)
    folder = RunFolder(run)
    results = folder.read_results() or {}
    records = folder.read_generations() if folder.generations_path.is_file() else []
    files = model_files(cfg, results, records, chat, merged, kind="merged", saved_as=dtype)

    def fill(tmp: Path) -> None:
        merged.save_pretrained(tmp)
        write_model_files(tmp, files)  # after the weights: its generation_config.json wins

    return write_folder(out, fill)


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = args.out or Path("outputs") / "export" / args.run.resolve().name
    export_run(args.run, out, args.dtype, args.force)
    print(f"merged model written to {out} (AutoModelForCausalLM.from_pretrained({str(out)!r}))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
