"""The adapter's model card (README.md) and hub-facing adapter_config.json.

peft's ``save_pretrained`` writes a blank template card and records the base model as
``model.name_or_path``, which for a cached or converted model is a path on this machine. A saved
adapter should say what it is: the base model's hub id, the data, the settings and the zero-shot
vs fine-tuned scores, so that it can be shared or found again without the run folder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tide_exp.files.atomic import write_text

GENERATION_PHASES = (("zs", "zero-shot"), ("ft", "fine-tuned"))


def _metric_table(phases: Mapping[str, Any]) -> list[str]:
    """Markdown rows: metric, zero-shot mean, fine-tuned mean (phases as in results.json)."""
    names: list[str] = []
    for phase, _ in GENERATION_PHASES:
        for name in phases.get(phase, {}).get("metrics", {}):
            if name not in names:
                names.append(name)
    if not names:
        return ["No generation metrics were computed in this run."]
    rows = ["| metric | zero-shot | fine-tuned |", "|---|---|---|"]
    for name in names:
        cells = []
        for phase, _ in GENERATION_PHASES:
            value = phases.get(phase, {}).get("metrics", {}).get(name, {}).get("mean")
            cells.append("n/a" if value is None else f"{value:.4f}")
        rows.append(f"| {name} | {' | '.join(cells)} |")
    return rows


def _settings_rows(settings: Mapping[str, Any]) -> list[str]:
    return [f"- `{key}`: `{value}`" for key, value in settings.items() if value is not None]


def render_model_card(
    *,
    base_model: str | None,
    display_name: str,
    data: Mapping[str, Any],
    settings: Mapping[str, Any],
    phases: Mapping[str, Any],
    versions: Mapping[str, str],
) -> str:
    """The model card text: hub metadata header, then data, settings and scores.

    Args:
        base_model: The base model's hub id (``Qwen/Qwen2.5-0.5B-Instruct``); None for a model
            that has none (test models).
        display_name: Human-readable base model name.
        data: What the adapter was trained on (loader, path, example counts).
        settings: LoRA and training settings worth reporting (rank, alpha, lr, epochs...).
        phases: ``results.json["phases"]``: per phase, ``metrics`` of ``{name: {"mean": ...}}``.
        versions: Library versions (torch, transformers, peft).
    """
    header = ["---", "library_name: peft"]
    if base_model:
        header.append(f"base_model: {base_model}")
    header += ["tags:", "  - lora", "  - tide_exp", "  - empathetic-dialogue", "---", ""]
    base = f"`{base_model}`" if base_model else "a model without a hub id"
    n = phases.get("ft", {}).get("metrics", {})
    prompts = next(iter(n.values()), {}).get("n") if n else None
    lines = [
        *header,
        f"# LoRA adapter for {display_name}",
        "",
        f"A LoRA adapter for {base}, fine-tuned with tide_exp to reply as a trauma-informed, "
        "empathetic dialogue partner. It is a research artefact, not a clinical tool: it has not "
        "been evaluated for safety with people in crisis.",
        "",
        "## Data",
        "",
        *_settings_rows(data),
        "",
        "## Training settings",
        "",
        *_settings_rows(settings),
        "",
        "## Evaluation",
        "",
        "Greedy replies to held-out prompts, scored against the reference replies (means"
        + (f" over {prompts} prompts" if prompts else "")
        + "), before (zero-shot) and after fine-tuning:",
        "",
        *_metric_table(phases),
        "",
        "## How to load",
        "",
        "```python",
        "from peft import PeftModel",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "",
        f'base = AutoModelForCausalLM.from_pretrained("{base_model or "<base model>"}")',
        'model = PeftModel.from_pretrained(base, "adapter")',
        'tokenizer = AutoTokenizer.from_pretrained("adapter")',
        "```",
        "",
        "Or in a tide_exp checkout: `tide chat --run <run folder>`, "
        "`tide export <run folder> --out merged/`.",
        "",
        "## Framework versions",
        "",
        *_settings_rows(versions),
        "",
    ]
    return "\n".join(lines)


def card_settings(cfg: Any) -> dict[str, Any]:
    """The settings a model card reports (LoRA, optimiser, epochs, batch, length, seed)."""
    return {
        "lora.r": cfg.lora.get("r"),
        "lora.lora_alpha": cfg.lora.get("lora_alpha"),
        "lora.lora_dropout": cfg.lora.get("lora_dropout"),
        "lora.target_modules": list(cfg.lora.get("target_modules") or []),
        "module.optimizer.lr": cfg.module.optimizer.get("lr"),
        "trainer.max_epochs": cfg.trainer.get("max_epochs"),
        "trainer.accumulate_grad_batches": cfg.trainer.get("accumulate_grad_batches"),
        "data.batch_size": cfg.data.get("batch_size"),
        "data.max_length": cfg.data.get("max_length"),
        "seed": cfg.get("seed"),
    }


def card_for_run(cfg: Any, results: Mapping[str, Any]) -> str:
    """The card of a finished run, from its composed config and ``results.json`` content."""
    return render_model_card(
        base_model=cfg.model.get("hf_id"),
        display_name=cfg.model.display_name,
        data={"loader": cfg.data.source.get("_target_"), **results.get("data", {})},
        settings=card_settings(cfg),
        phases=results.get("phases", {}),
        versions=results.get("environment", {}),
    )


def set_base_model_id(adapter_dir: Path, base_model: str | None) -> None:
    """Record the base model's hub id (not a local path) in ``adapter_config.json``.

    Called on the adapter's temporary folder before it is moved into place.
    """
    if not base_model:
        return
    config_path = Path(adapter_dir) / "adapter_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = base_model
    write_text(config_path, json.dumps(config, indent=2, sort_keys=True) + "\n")


def write_model_card(adapter_dir: Path, card: str, base_model: str | None) -> None:
    """Write ``README.md`` and the hub id into an adapter folder saved by ``save_pretrained``."""
    write_text(Path(adapter_dir) / "README.md", card)
    set_base_model_id(adapter_dir, base_model)
