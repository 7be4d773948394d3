"""Human evaluation: ``tide humaneval {build,judge,qc,analyze}`` (``python -m tide_exp.cli.humaneval``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tide_exp.cli.conventions import at_least, cli_entry, command_parser
from tide_exp.cli.registry import Command
from tide_exp.files.checks import check_output
from tide_exp.files.readers import read_bytes, read_json
from tide_exp.humaneval.survey import DEFAULT_DIMENSIONS, LIKERT_LABELS, QUESTION, SurveySpec
from tide_exp.runs.finding import run_folders

COMMAND = Command(
    name="humaneval",
    summary="human evaluation: build a survey, judge, quality control, analyse",
    example="tide humaneval build multirun/2026-01-01/12-00-00 --out outputs/survey",
    order=60,
)


def _read_list(path: str) -> str:
    """An ``@file`` argument's text; a missing or unreadable file is a one-line error."""
    return read_bytes(path).decode("utf-8")


def plot_formats(text: str) -> tuple[str, ...]:
    """``--formats``: comma-separated formats matplotlib can save, checked before any work."""
    from matplotlib.backend_bases import FigureCanvasBase

    chosen = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    supported = FigureCanvasBase.get_supported_filetypes()
    unknown = [f for f in chosen if f not in supported]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"{', '.join(unknown) or repr(text)}: not a plot format; choose from "
            f"{', '.join(sorted(supported))}"
        )
    return chosen


def _example_ids(text: str | None) -> list[str] | None:
    if not text:
        return None
    if text.startswith("@"):
        lines = _read_list(text[1:]).split()
        return [t.strip(",") for t in lines if t.strip(",")]
    return [t.strip() for t in text.split(",") if t.strip()]


def _prompts(text: str | None) -> dict:
    """``--prompts``: ``@list.txt`` (one example id or message a line, found among the held-out
    replies), else a prompts file or shipped set (``eval.prompts_file``'s format: the runs'
    replies to it, with its scenarios)."""
    if not text:
        return {}
    if text.startswith("@"):
        lines = _read_list(text[1:]).splitlines()
        return {"prompts": [line.strip() for line in lines if line.strip()]}
    from tide_exp.data.prompt_sets import read_prompts_file

    prompts = read_prompts_file(text)
    return {
        "prompts": [p.message for p in prompts],
        "fixed": True,
        "prompt_scenarios": {p.message: p.scenario for p in prompts if p.scenario},
    }


def cmd_build(args: argparse.Namespace) -> None:
    from tide_exp.humaneval.build import MANIFEST, build_survey, read_scenarios
    from tide_exp.humaneval.pair_sets import parse_pair, read_pairs_file

    pairs = read_pairs_file(args.pairs) if args.pairs else []
    pairs += [parse_pair(p) for p in args.pair or []]
    labels = tuple(args.labels.split("|")) if args.labels else LIKERT_LABELS
    spec = SurveySpec(
        seed=args.seed,
        per_scenario=args.per_scenario,
        example_ids=_example_ids(args.example_ids),
        **_prompts(args.prompts),
        scenarios=read_scenarios(args.scenarios) if args.scenarios else None,
        shared_prompts=not args.per_pair_prompts,
        attention_check=not args.no_attention_check,
        attention_value=args.attention_value,
        question=args.question,
        labels=labels,
        shuffle_items=args.shuffle_items,
        dimensions=tuple(d.strip() for d in args.dimensions.split(",") if d.strip()),
        allow_missing_scenarios=args.allow_missing_scenarios,
        no_scenarios=args.no_scenarios,
        reference=not args.no_reference,
        history_turns=args.history_turns,
        draw_unit=args.draw_unit,
    )
    build_survey(args.runs, args.out, pairs or None, spec)
    summary = read_json(Path(args.out) / MANIFEST)
    for note in summary["notes"]:
        print(f"note: {note}")
    print(
        f"wrote {args.out}/ (survey {summary['survey_id']}): {summary['items']} items, "
        f"{summary['replies']} replies in {len(summary['scenarios'])} scenarios; "
        f"{summary['truncated_replies']} of {summary['model_replies']} model replies cut at "
        f"the token cap (from {', '.join(summary['truncated_from'])}), "
        f"{summary['duplicate_replies']} repeat another reply of their item "
        "(flagged in key.csv: truncated, duplicate_of)"
    )


def cmd_judge(args: argparse.Namespace) -> None:
    from tide_exp.files.writers import write_csv, write_json
    from tide_exp.humaneval.build import read_key
    from tide_exp.humaneval.gold_scores import judge_replies, load_generate

    gold, consistency = judge_replies(
        read_key(args.key), load_generate(args.generate), n_calls=args.calls
    )
    write_csv(args.out, gold)
    write_json(Path(args.out).with_suffix(".consistency.json"), consistency)
    print(
        f"wrote {args.out}: {len(gold)} replies; judge consistency (mean Spearman between "
        f"calls) {consistency['spearman_mean']:.3f}, unparsed answers {consistency['unparsed']}"
    )


def cmd_qc(args: argparse.Namespace) -> None:
    from tide_exp.humaneval.build import read_built_ratings, read_key
    from tide_exp.humaneval.qc import QCRules, qc_report_markdown, read_gold, run_qc, write_qc

    key = read_key(args.key)
    data = read_built_ratings(args.ratings, key, args.key, args.demographics)
    gold = read_gold(args.gold, key) if args.gold else None
    rules = QCRules(
        duration_window=None if args.no_window else (args.min_minutes, args.max_minutes),
        require_attention=not args.no_attention,
        fast_fraction=args.fast_fraction or None,
        sigma_max=args.sigma_max,
        mae_min=args.mae_min,
        sigma_basis=args.sigma_basis,
    )
    result = run_qc(data, key, gold, rules)
    write_qc(result, args.out, args.key)
    print(qc_report_markdown(result), end="")
    print(f"wrote {args.out}/ (ratings_clean.csv, raters.csv, qc_report.md, qc_report.json)")


def cmd_analyze(args: argparse.Namespace) -> None:
    from tide_exp.errors import ConfigError
    from tide_exp.humaneval.analyze import AnalysisOptions, analyze, load_qc_dir
    from tide_exp.humaneval.build import read_built_ratings, read_key
    from tide_exp.humaneval.rating_tables import headline

    source, key_path = Path(args.source), args.key
    if source.is_dir():
        data, recorded = load_qc_dir(source)
        key_path = key_path or recorded
    if not key_path:
        raise ConfigError("pass --key survey/key.csv (the key of the survey that was rated)")
    key = read_key(key_path)
    if not source.is_dir():
        data = read_built_ratings(source, key, key_path)
    options = AnalysisOptions(
        ci=args.ci,
        formats=args.formats,
        mixed=not args.no_mixed,
        mixed_per_model=args.mixed_per_model,
        ordinal=args.ordinal,
        map_scale=args.map_scale,
    )
    tables = analyze(data, key, args.out, options=options)
    demo = tables["demographics"]
    counts = {lv: 0 for lv in ("rater", "rating")}
    if len(demo):
        counts |= demo[demo["significant"]].groupby("level").size().to_dict()
    print(
        f"wrote {args.out}/summary.md and tables/plots. {headline(tables['table4'])} "
        f"Significant demographic effects after Holm: {counts['rater']} at the rater level, "
        f"{counts['rating']} at the rating level (see summary.md for the mixed model)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``tide humaneval`` (one sub-command per step)."""
    p = command_parser("humaneval", __doc__, prog="tide humaneval")
    sub = p.add_subparsers(dest="command", required=True)
    _add_build(sub)
    _add_judge_qc(sub)
    _add_analyze(sub)
    return p


def _add_build(sub) -> None:
    b = sub.add_parser("build", help="run/sweep outputs -> survey + key")
    b.add_argument("runs", nargs="+", help="run dirs, sweep dirs (multirun/DATE/TIME) or above")
    b.add_argument("--out", required=True, help="output dir (survey/)")
    b.add_argument(
        "--pair",
        action="append",
        nargs="+",
        metavar="RUN",
        help="a pair set: two runs (--pair A B), or one run alone (zero-shot vs fine-tuned, "
        "Study B); each a model slug, run label or run dir; A,B also works where the split "
        "is unambiguous (repeatable; default: the study's four pairs present)",
    )
    b.add_argument("--pairs", help="YAML file with `pairs: [[A, B], ...]`")
    b.add_argument("--seed", type=int, default=42, help="prompt and order seed (study: 42)")
    b.add_argument(
        "--per-scenario", type=at_least(1), default=1, help="prompts per scenario per pair"
    )
    b.add_argument("--example-ids", help="comma list or @file of example ids instead of a draw")
    b.add_argument(
        "--prompts",
        help="a prompts file or shipped set (study_a: the study's six Appendix A messages), as "
        "the runs' eval.prompts_file: the survey shows their replies to it, one scenario per "
        "line's scenario; or @list.txt: one example id or message text a line, in scenario "
        "order, found among the held-out prompts",
    )
    b.add_argument(
        "--history-turns",
        type=at_least(0),
        default=None,
        help="multi-turn data: earlier turns shown above each message, the last N (default: "
        "every turn the model saw; 0: none)",
    )
    b.add_argument(
        "--draw-unit",
        choices=["auto", "dialogue", "prompt"],
        default="auto",
        help="draw one item per dialogue or per prompt (auto: per dialogue on multi-turn data)",
    )
    b.add_argument(
        "--allow-missing-scenarios",
        action="store_true",
        help="build even when a scenario has no prompt shared by every pair set (default: "
        "error; the shorter survey is noted in build.json)",
    )
    b.add_argument(
        "--no-scenarios",
        action="store_true",
        help="ignore themes: draw --per-scenario prompts from all (Study B: 100 dialogues)",
    )
    b.add_argument(
        "--no-reference",
        action="store_true",
        help="leave the reference reply out (Study B: base vs fine-tuned only)",
    )
    b.add_argument("--scenarios", help="CSV example_id,scenario (for data without a theme field)")
    b.add_argument(
        "--per-pair-prompts",
        action="store_true",
        help="draw prompts per pair set (default: one per scenario shared by all, as the study)",
    )
    b.add_argument(
        "--dimensions",
        default=",".join(DEFAULT_DIMENSIONS),
        help="rating dimensions, comma separated (Study B: empathic_resonance,"
        "conversational_coherence,advice_appropriateness)",
    )
    b.add_argument("--no-attention-check", action="store_true")
    b.add_argument("--attention-value", type=int, default=2, help="rating the check asks for")
    b.add_argument("--question", default=QUESTION, help="matrix question wording")
    b.add_argument("--labels", help="five scale labels separated by | (blank: number only)")
    b.add_argument(
        "--shuffle-items",
        action="store_true",
        help="shuffle items (default: the study's order, pair set 1 = items 1, 5, 9, ...)",
    )
    b.set_defaults(func=cmd_build)


def _add_judge_qc(sub) -> None:

    j = sub.add_parser("judge", help="gold scores from an LLM judge (3 calls averaged)")
    j.add_argument("key", help="key.csv from build")
    j.add_argument("--generate", required=True, help="module:callable, generate(prompts)->list")
    j.add_argument("--calls", type=at_least(1), default=3)
    j.add_argument("--out", default="outputs/humaneval/gold.csv", help="default: %(default)s")
    j.set_defaults(func=cmd_judge)

    q = sub.add_parser("qc", help="apply the study's rater exclusion rules")
    q.add_argument("ratings", help="ratings CSV (long, wide or Qualtrics export)")
    q.add_argument("--key", required=True, help="key.csv from build")
    q.add_argument("--gold", help="gold scores CSV (question_id,gold) for straight-lining")
    q.add_argument("--demographics", help="per-rater CSV, e.g. a Prolific export")
    q.add_argument("--out", required=True, help="output dir (qc/)")
    q.add_argument("--min-minutes", type=float, default=10.0)
    q.add_argument("--max-minutes", type=float, default=75.0)
    q.add_argument("--no-window", action="store_true", help="skip the completion-time window")
    q.add_argument("--no-attention", action="store_true", help="skip the attention check")
    q.add_argument(
        "--fast-fraction",
        type=float,
        default=1 / 3,
        help="too fast: under this fraction of the median time (0: off)",
    )
    q.add_argument("--sigma-max", type=float, default=0.6)
    q.add_argument("--mae-min", type=float, default=0.9)
    q.add_argument(
        "--sigma-basis",
        choices=["all", "models"],
        default="all",
        help="ratings sigma and MAE use: all rated replies, or model replies only",
    )
    q.set_defaults(func=cmd_qc)


def _add_analyze(sub) -> None:

    a = sub.add_parser("analyze", help="Table 4, demographics, plots, metric agreement")
    a.add_argument("source", help="qc output dir (or a ratings CSV to analyse without QC)")
    a.add_argument("--key", help="key.csv (default: the one qc recorded)")
    a.add_argument("--out", required=True, help="output dir (analysis/)")
    a.add_argument("--ci", choices=["fieller", "bootstrap"], default="fieller")
    a.add_argument(
        "--map-scale",
        choices=["data", "full"],
        default="data",
        help="Figure 3's colours span the regional means' range (data: differences show) or "
        "the whole 1-5 scale (full: absolute, nearly one colour)",
    )
    a.add_argument(
        "--formats",
        type=plot_formats,
        default="png,pdf",
        help="plot formats, comma separated (any matplotlib saves: png, pdf, svg, ...)",
    )
    a.add_argument(
        "--no-mixed", action="store_true", help="skip the mixed models (one fit per factor)"
    )
    a.add_argument(
        "--mixed-per-model",
        action="store_true",
        help="also fit the mixed model per model (slower: one fit per model and factor)",
    )
    a.add_argument(
        "--ordinal",
        action="store_true",
        help="also fit a proportional-odds model per factor (rater-clustered errors)",
    )
    a.set_defaults(func=cmd_analyze)


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Entry point; a user-facing error prints one line and exits 2 (:func:`cli_entry`)."""
    args = build_parser().parse_args(argv)
    # Outputs checked before the work: judge writes a file (and one beside it), the others
    # a folder; none may be (or sit inside) a file the command reads.
    inputs = [getattr(args, k, None) for k in ("key", "ratings", "gold", "demographics")]
    inputs = [Path(i) for i in inputs if i] + run_folders(getattr(args, "runs", []))
    check_output(args.out, inputs, folder=args.command != "judge")
    if args.command == "judge":
        check_output(Path(args.out).with_suffix(".consistency.json"), inputs)
    args.func(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
