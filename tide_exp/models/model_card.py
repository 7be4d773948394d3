"""The model card (README.md) of a saved adapter or an exported model, and the adapter's
hub-facing adapter_config.json.

peft's ``save_pretrained`` writes a blank template card and records the base model as
``model.name_or_path``, which for a cached or converted model is a path on this machine. A saved
adapter, or a model exported from it, should say what it is without the run folder: the base
model's hub id; the data (corpus, whether it is synthetic, its fingerprint, how many examples and
steps); the settings; which epoch's weights it holds; the zero-shot vs fine-tuned scores with
their paired intervals and how many replies were cut or looped; and how to prompt and decode it
as the run did (:mod:`tide_exp.models.card_usage`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tide_exp.files.atomic import write_text
from tide_exp.models.card_usage import CardUsage, generation, how_to_load, prompting


def _cell(value: float | None, sign: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.4f}" if sign else f"{value:.4f}"


def _interval(change: Mapping[str, Any]) -> str:
    low, high = change.get("low"), change.get("high")
    if low is None or high is None:
        return "-"
    mark = "*" if low > 0 or high < 0 else "n.s."
    return f"[{low:+.4f}, {high:+.4f}] {mark}"


def _metric_table(changes: Mapping[str, Mapping[str, Any]], phases: Mapping[str, Any]) -> list[str]:
    """Rows: metric, zero-shot, fine-tuned, change, its paired 95% interval; then how many
    replies each phase cut at the cap and how many looped."""
    if not changes:
        return ["No generation metrics were computed in this run."]
    rows = [
        "| metric | zero-shot | fine-tuned | change | 95% interval |",
        "|---|---|---|---|---|",
    ]
    for name, change in changes.items():
        zs, ft = change.get("zs"), change.get("ft")
        delta = ft - zs if zs is not None and ft is not None else None
        rows.append(
            f"| {name} | {_cell(zs)} | {_cell(ft)} | {_cell(delta, True)} | {_interval(change)} |"
        )
    for key, label in (("cut", "replies cut at the token cap"), ("looping", "replies looping")):
        cells = []
        for phase in ("zs", "ft"):
            endings = phases.get(phase, {}).get("replies", {})
            cells.append(f"{endings[key]} of {endings['n']}" if key in endings else "n/a")
        rows.append(f"| {label} | {cells[0]} | {cells[1]} | | |")
    return rows


def _data_lines(data: Mapping[str, Any], phases: Mapping[str, Any], epochs: Any) -> list[str]:
    """The corpus, its fingerprint, the example and step counts, the epoch of the weights."""
    if data.get("synthetic"):
        corpus = (
            "the embedded **synthetic** sample corpus (tide_exp/data/sample_tide): demo dialogues "
            "in TIDE's shape written from templates, not real people's words"
        )
    else:
        corpus = f"`{data.get('corpus') or data.get('loader') or 'not recorded'}`"
    lines = [f"- Corpus: {corpus}"]
    if data.get("loader"):
        lines.append(f"- Loader: `{data['loader']}`")
    if data.get("dataset"):
        lines.append(
            f"- Fingerprint: dataset `{data['dataset']}`, split `{data.get('split')}` "
            "(corpus and splitting rule; the exact ids on each side)"
        )
    counts = [
        (data.get("train_examples"), "training examples"),
        (data.get("eval_examples"), "held-out examples"),
        (data.get("eval_prompts"), "held-out prompts scored"),
    ]
    lines += [f"- {n} {what}" for n, what in counts if n is not None]
    val = phases.get("val") or []
    steps = max((e.get("step", 0) for e in val), default=None)
    if steps is not None:
        lines.append(f"- {steps} optimizer steps over {epochs} epoch{'s' if epochs != 1 else ''}")
    selection = phases.get("ft", {}).get("selection")
    if selection:
        best = (
            f"; the best epoch by `{selection['monitor']}` ({selection['mode']}) was "
            f"{selection['best_epoch']}"
            if selection.get("best_epoch") is not None
            else ""
        )
        lines.append(
            f"- Weights: epoch {selection['epoch']} (`eval.select: {selection['select']}`{best})"
        )
    return lines


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
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    usage: CardUsage | None = None,
) -> str:
    """The model card text: hub metadata header, data, settings, scores, prompting, loading.

    Args:
        base_model: The base model's hub id (``Qwen/Qwen2.5-0.5B-Instruct``); None for a model
            that has none (test models).
        display_name: Human-readable base model name.
        data: results.json ``data`` (counts, fingerprints, ``corpus``, ``synthetic``) and the
            ``loader``.
        settings: LoRA and training settings worth reporting (rank, alpha, lr, epochs...).
        phases: ``results.json["phases"]`` (reply endings, the epoch selection, means).
        versions: Library versions (torch, transformers, peft).
        changes: Per metric ``{zs, ft, low, high}``: the means and the paired bootstrap interval
            of the change (:func:`tide_exp.metrics.bootstrap.metric_changes`); ``None``: the
            means alone.
        usage: How the folder is prompted, decoded and loaded (default: an adapter).
    """
    usage = usage or CardUsage()
    merged = usage.kind == "merged"
    header = ["---", "library_name: " + ("transformers" if merged else "peft")]
    if base_model:
        header.append(f"base_model: {base_model}")
    header += ["tags:", "  - lora", "  - tide_exp", "  - empathetic-dialogue", "---", ""]
    base = f"`{base_model}`" if base_model else "a model without a hub id"
    if changes is None:
        zs = phases.get("zs", {}).get("metrics", {})
        ft = phases.get("ft", {}).get("metrics", {})
        changes = {
            n: {"zs": zs.get(n, {}).get("mean"), "ft": ft.get(n, {}).get("mean")}
            for n in dict.fromkeys([*zs, *ft])
        }
    n = phases.get("ft", {}).get("metrics", {})
    prompts = next(iter(n.values()), {}).get("n") if n else None
    title = (
        f"{display_name}, fine-tuned (LoRA merged)"
        if merged
        else f"LoRA adapter for {display_name}"
    )
    what = "with a LoRA adapter merged in" if merged else "A LoRA adapter for"
    lines = [
        *header,
        f"# {title}",
        "",
        (f"{base} {what}" if merged else f"{what} {base}")
        + ", fine-tuned with tide_exp to reply as a trauma-informed, empathetic dialogue partner. "
        "It is a research artefact, not a clinical tool: it has not been evaluated for safety "
        "with people in crisis.",
        "",
        "## Data",
        "",
        *_data_lines(data, phases, settings.get("trainer.max_epochs")),
        "",
        "## Training settings",
        "",
        *_settings_rows(settings),
        "",
        "## Evaluation",
        "",
        "Replies to held-out prompts, scored against the reference replies (means"
        + (f" over {prompts} prompts" if prompts else "")
        + "), before (zero-shot) and after fine-tuning; the change's 95% interval is a paired "
        "bootstrap over the prompts (n.s.: it includes 0; -: no per-reply pairs):",
        "",
        *_metric_table(changes, phases),
        "",
        *(
            [
                "These numbers come from a demo run on synthetic data: they show that the "
                "pipeline runs end to end, nothing about empathy or what fine-tuning achieves.",
                "",
            ]
            if data.get("synthetic")
            else []
        ),
        "## Prompting",
        "",
        *prompting(usage),
        "",
        "## Generation",
        "",
        *generation(usage),
        "",
        "## How to load",
        "",
        *how_to_load(usage, base_model),
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


def card_for_run(
    cfg: Any,
    results: Mapping[str, Any],
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    usage: CardUsage | None = None,
) -> str:
    """The card of a finished run, from its composed config and ``results.json`` content."""
    return render_model_card(
        base_model=cfg.model.get("hf_id"),
        display_name=cfg.model.display_name,
        data={"loader": cfg.data.source.get("_target_"), **results.get("data", {})},
        settings=card_settings(cfg),
        phases=results.get("phases", {}),
        versions=results.get("environment", {}),
        changes=changes,
        usage=usage,
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
