"""Crisis-safety probe and judge rubrics (docs/safety.md).

  probe   replies of a configured model (zero-shot) to the crisis probe's prompts, or of a
          run's adapter (and its base too with --compare-base), each reply rule-scored:
          safety.jsonl, safety_unsafe.md (the unsafe replies, to read), safety_summary.json
  judge   a judge rubric over saved replies (safety.jsonl or a run's generations.jsonl),
          with any configured model (--generate model=<slug>) or your own function

examples:
  tide safety probe --model smollm2_135m --out outputs/safety
  tide safety probe --model smollm2_135m --adapter outputs/<run>/adapter --compare-base \\
      --out outputs/safety
  tide safety judge outputs/safety/safety.jsonl --rubric crisis_safety \\
      --generate model=qwen2_5_3b --out outputs/safety/judge_crisis_safety.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from tide_exp.cli.conventions import at_least, cli_entry, command_parser
from tide_exp.cli.overrides import check_moved
from tide_exp.cli.registry import Command
from tide_exp.errors import Interrupted, TideError
from tide_exp.files.checks import check_output

COMMAND = Command(
    name="safety",
    summary="crisis-safety probe on a configured model or a run's adapter; judge rubrics",
    example="tide safety probe --model smollm2_135m --out outputs/safety",
    order=110,
)


def _table(rows: list[dict[str, Any]]) -> str:
    def pct(v: float | None) -> str:
        return "    –" if v is None else f"{100 * v:5.1f}"

    lines = [f"{'group':<10} {'name':<24} {'n':>4} {'zs%':>5} {'ft%':>5} {'change':>7}"]
    for r in rows:
        change = "      –" if r["change"] is None else f"{100 * r['change']:+7.1f}"
        lines.append(
            f"{r['group']:<10} {r['name']:<24} {r['n']:>4} {pct(r['zs'])} {pct(r['ft'])} {change}"
        )
    return "\n".join(lines)


def cmd_probe(args: argparse.Namespace) -> None:
    from omegaconf import OmegaConf

    from tide_exp.generation import GenerationSettings
    from tide_exp.judge.model import compose_model_config
    from tide_exp.models.adapter import ADAPTER_CONFIG, check_adapter, load_adapter
    from tide_exp.models.configured import load_configured
    from tide_exp.safety.probe_run import ProbeRun
    from tide_exp.safety.progress import ProbeProgress, file_digest, progress_key

    check_moved(args.override)
    cfg = compose_model_config(args.model, args.override)
    probe = ProbeRun.load(cfg.model.name, args.probe_file, args.max_prompts, country=args.country)
    adapter = Path(args.adapter) if args.adapter else None
    if adapter is not None:  # named before the model loads and the base model's replies
        if not (adapter / ADAPTER_CONFIG).is_file():
            raise TideError(f"--adapter {adapter}: no {ADAPTER_CONFIG}; pass a run's adapter/.")
        check_adapter(adapter)
    loaded = load_configured(cfg)
    chat = loaded.chat
    # Generated as the probe callback generates: eval's settings with the probe's own cap.
    cap = args.max_new_tokens or OmegaConf.select(cfg, "callbacks.safety_probe.max_new_tokens")
    configured = GenerationSettings.from_config(cfg)
    settings = configured.replace(max_new_tokens=cap, batch_size=args.batch_size).for_chat(chat)
    key = progress_key(
        model=OmegaConf.to_container(cfg.model, resolve=True),
        adapter=file_digest(adapter / "adapter_model.safetensors") if adapter else None,
        compare_base=args.compare_base,
        prompts=[(p.id, p.text) for p in probe.prompts],
        settings=repr(settings),
    )
    progress = ProbeProgress(args.out, key)
    try:
        if adapter is None or args.compare_base:
            probe.run_phase("zs", loaded.model, loaded.tokenizer, chat, settings, progress)
        if adapter is not None:
            tuned = load_adapter(loaded.model, adapter)  # a damaged adapter: one sentence
            probe.run_phase("ft", tuned, loaded.tokenizer, chat, settings, progress)
    except KeyboardInterrupt:  # the finished replies stay: the same command continues
        raise Interrupted(
            f"{len(progress.rows)} finished replies kept in {progress.path}; run the same "
            "command to continue"
        ) from None
    files = probe.write(args.out)
    probe.write_summary(args.out, args.adapter)
    progress.finish()
    print(_table(probe.comparison()))
    print(f"wrote {files['records']} and {files['unsafe']} (unsafe replies to read)")


def cmd_judge(args: argparse.Namespace) -> None:
    from tide_exp.files.readers import jsonl_rows, raise_bad, read_bytes
    from tide_exp.files.writers import write_json, write_jsonl
    from tide_exp.judge import RUBRICS, judge_texts, load_generate

    rubric = RUBRICS[args.rubric]
    path = Path(args.records)
    rows = []
    for where, record in jsonl_rows(
        path, read_bytes(path), raise_bad("make each line one JSON object")
    ):
        reply = record.get("reply", record.get("prediction"))
        if not isinstance(record.get("prompt"), str) or not isinstance(reply, str):
            raise TideError(
                f"{path}:{where}: needs string fields 'prompt' and 'reply' (or 'prediction'); "
                "pass a safety.jsonl or generations.jsonl."
            )
        rows.append((record, reply))
    if not rows:  # nothing to judge: say so rather than load a judge and write empty files
        raise TideError(
            f"{path}: no replies to judge (the file has no records); pass the safety.jsonl of a "
            "probe that ran, or a run's generations.jsonl."
        )
    kwargs = {"do_sample": True, "temperature": 0.7} if args.calls > 1 else {}
    generate = load_generate(
        args.generate,
        **(
            {"max_new_tokens": rubric.max_new_tokens, "generation_kwargs": kwargs}
            if args.generate.startswith("model=")
            else {}
        ),
    )
    result = judge_texts(
        [r["prompt"] for r, _ in rows], [reply for _, reply in rows], generate, rubric, args.calls
    )
    scored = [
        {
            **{k: r.get(k) for k in ("phase", "id", "example_id", "category", "risk_level")},
            "judge": {k: (None if math.isnan(v) else v) for k, v in result.scores[i].items()},
            "answers": [call[i] for call in result.answers],
        }
        for i, (r, _) in enumerate(rows)
    ]
    out = Path(args.out)
    write_jsonl(out, scored)
    summary = {**result.summary(), "judge": args.generate, "records": str(path)}
    summary["means"] = {k: (None if math.isnan(v) else v) for k, v in summary["means"].items()}
    write_json(out.with_suffix(".summary.json"), summary)
    print(json.dumps(summary, indent=2))


def build_parser() -> argparse.ArgumentParser:
    """``tide safety`` and its two subcommands, each with its own ``--help``."""
    parser = command_parser("safety", __doc__, prog="tide safety")
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="{probe,judge}",
        help="tide safety <command> --help for its options",
    )
    p = sub.add_parser(
        "probe",
        help="replies to the crisis probe, rule-scored",
        description="Replies to the crisis probe's prompts, rule-scored (docs/safety.md).\n\n"
        "Time on a CPU: the full probe (100 prompts) takes 3-4 minutes per phase for the "
        "135M demo model (measured on 2 cores, threads=1), and roughly in proportion to size "
        "for larger models; --compare-base runs two phases. A line per batch says how far it "
        "is. Finished replies are kept in OUT/safety_progress.jsonl, so after Ctrl-C the same "
        "command continues where it stopped.",
        epilog="example:\n  tide safety probe --model smollm2_135m --out outputs/safety",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", default="smollm2_135m", metavar="SLUG", help="conf/model slug")
    p.add_argument(
        "--adapter", metavar="DIR", help="a saved LoRA adapter folder (a run's adapter/)"
    )
    p.add_argument("--compare-base", action="store_true", help="with --adapter: probe the base too")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--max-prompts",
        type=at_least(1),
        metavar="N",
        help="answer only N prompts, spread over the categories (the first of each, then "
        "the next), for a quick look: N=16 takes about a sixth of the time (default: all 100)",
    )
    p.add_argument(
        "--probe-file", metavar="JSONL", help="your own probe (default: the shipped 100 prompts)"
    )
    p.add_argument(
        "--country",
        default="us",
        help="whose crisis resources a safe reply names: us, uk, ca, ie, au, de, cn, intl",
    )
    p.add_argument(
        "--batch-size",
        type=at_least(1),
        metavar="N",
        help="replies generated at once (default: eval.generation.batch_size)",
    )
    p.add_argument(
        "--max-new-tokens",
        type=at_least(1),
        default=None,
        metavar="N",
        help="reply length cap (default: the probe's, callbacks.safety_probe.max_new_tokens)",
    )
    p.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Hydra override of the model's config, repeatable",
    )
    p.set_defaults(func=cmd_probe)
    j = sub.add_parser(
        "judge",
        help="a judge rubric over safety.jsonl or generations.jsonl",
        description="A judge rubric over saved replies: each line needs 'prompt' and 'reply' "
        "(or 'prediction').",
        epilog="example:\n  tide safety judge outputs/safety/safety.jsonl --rubric crisis_safety "
        "--generate model=qwen2_5_3b --out outputs/safety/judge.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    j.add_argument("records", metavar="JSONL", help="safety.jsonl or generations.jsonl")
    j.add_argument(
        "--rubric",
        default="crisis_safety",
        choices=["crisis_safety", "empathy_mechanisms", "empathy_gold"],
        help="default: crisis_safety",
    )
    j.add_argument(
        "--generate",
        required=True,
        metavar="MODEL",
        help="the judge: model=<conf/model slug> or module:function",
    )
    j.add_argument(
        "--calls",
        type=at_least(1),
        default=1,
        metavar="N",
        help="calls per reply (sampled when > 1)",
    )
    j.add_argument(
        "--out", required=True, metavar="JSONL", help="output (a .summary.json goes beside it)"
    )
    j.set_defaults(func=cmd_judge)
    return parser


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    check_outputs(args)
    args.func(args)
    return 0


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse a bad ``--out`` before the model loads: never an input, nor inside one."""
    if args.command == "judge":
        out = Path(args.out)
        for path in (out, out.with_suffix(".summary.json")):
            check_output(path, inputs=[args.records])
    else:
        inputs = [i for i in (args.probe_file, args.adapter) if i]
        check_output(args.out, inputs=inputs, folder=True)


if __name__ == "__main__":
    raise SystemExit(main())
