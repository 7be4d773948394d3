"""The figures of a ``gpu_check`` record as one table: a row per figure, with issue 32's goals.

Standard library only, like benchmarks/gpu_check.py, which prints the table last.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

STEPS = ("install", "env", "pytest", "generation", "protocol")
# issue 32's goals (benchmarks/GPU_NOTES.md has the predictions).
GOALS = {"qwen2_5_0_5b": ">= 25,000", "qwen2_5_3b": ">= 8,000", "protocol": "<= 60 min"}

Row = tuple[str, str, str]  # figure, value, goal


def rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def install_rows(f: dict[str, Any]) -> list[Row]:
    before, after = len(f.get("missing_before", [])), len(f.get("missing_after", []))
    rows = [
        ("missing modules, before -> after", f"{before} -> {after}", "0"),
        ("wheels; WordNet; MiniLM", f"{f.get('installed_wheels')}; {f.get('wordnet')}; {f.get('minilm')}", ""),
    ]  # fmt: skip
    if f.get("optional_missing"):
        rows.append(("optional, missing", ", ".join(f["optional_missing"]), ""))
    return rows


def env_rows(f: dict[str, Any]) -> list[Row]:
    torch, smi, stack = f.get("torch") or {}, f.get("nvidia_smi"), f.get("stack") or {}
    device = torch.get("device") or "cpu"
    if isinstance(smi, dict):
        device += f" (driver {smi.get('driver')}, {smi.get('memory')})"
    return [
        ("device", device, ""),
        ("python, torch, CUDA", f"{torch.get('python')}, {torch.get('torch')}, {torch.get('torch_cuda')}", ""),
        ("transformers, peft, bitsandbytes",
         f"{stack.get('transformers')}, {stack.get('peft')}, {stack.get('bitsandbytes')}", ""),
    ]  # fmt: skip


def pytest_rows(f: dict[str, Any]) -> list[Row]:
    counts = " / ".join(str(f.get(k, 0)) for k in ("passed", "failed", "errors", "skipped"))
    rows = [("passed / failed / errors / skipped", counts, "all pass")]
    for test, t in (f.get("tests") or {}).items():
        if t["outcome"] in ("failed", "errors"):
            name = test.rsplit(".", 1)[-1][:60]
            rows.append((name, f"{t['outcome']}: {t.get('message', '')[:80]}", ""))
    return rows


def variant_value(row: dict[str, Any]) -> str:
    if "error" in row:
        return f"error: {row['error'][:70]}"
    return (
        f"{rate(row['tokens_per_s'])} tok/s, cold {row['cold_seconds']:.1f} s, "
        f"{row['same_replies_as_loop']}/{row['loop_prompts']} as loop"
    )


def generation_rows(f: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for model, bench in f.items():
        if model == "protocol_choice" or not isinstance(bench, dict):
            continue
        goal = GOALS.get(model, "")
        if "variants" not in bench:
            rows.append((model, f"error: {bench.get('error')}", goal))
            continue
        loop = (bench.get("per_prompt_loop") or {}).get("tokens_per_s")
        rows.append((f"{model}: per-prompt loop", f"{rate(loop)} tok/s", ""))
        for label, row in bench["variants"].items():
            short = label.replace(", sorted", "").replace(" copy", "")
            rows.append((f"{model}: {short}", variant_value(row), goal))
    choice = f.get("protocol_choice")
    if choice:
        rows.append(("fastest, cold + warm", f"{choice['engine']}, merge {choice['merge']}", ""))
    return rows


def protocol_rows(f: dict[str, Any]) -> list[Row]:
    rows = [("engine, merge", f"{f.get('engine')}, {f.get('merge')}", "")]
    for model, m in (f.get("models") or {}).items():
        if "error" in m:
            rows.append((model, f"error: {m['error'][:70]}", ""))
            continue
        value = (
            f"{m.get('wall_min')} min here, ~{m.get('wall_min_full_estimate')} min full scale, "
            f"{rate(m.get('generation_tokens_per_s'))} tok/s"
        )
        rows.append((model, value, ""))
    total = f.get("protocol_total_min_full_estimate")
    if total is not None:
        value = f"~{total} min, 8 models"
    else:
        value = f"{f.get('models_done', 0)}/8 models done: ~{f.get('done_full_estimate_min')} min"
    rows.append(("tide_paper at full scale (estimate)", value, GOALS["protocol"]))
    return rows


STEP_ROWS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "install": install_rows,
    "env": env_rows,
    "pytest": pytest_rows,
    "generation": generation_rows,
    "protocol": protocol_rows,
}


def summary_rows(record: dict[str, Any]) -> list[list[str]]:
    """[step, figure, value, goal] rows: every figure of the check, step by step."""
    rows: list[list[str]] = []
    for name in STEPS:
        step = record["steps"].get(name)
        if step is None:
            continue
        rows.append([name, "status, seconds", f"{step['status']}, {step['seconds']:.0f} s", ""])
        figures = step.get("figures") or {}
        if "error" in figures and len(figures) == 1:
            rows.append([name, "error", str(figures["error"])[:100], ""])
            continue
        rows += [[name, *row] for row in STEP_ROWS[name](figures)]
    return rows


def table(rows: list[list[str]]) -> str:
    """A Markdown table of ``rows`` under the header step | figure | value | goal."""
    head = ["step", "figure", "value", "goal"]
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(4)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), rule, *map(line, rows)])
