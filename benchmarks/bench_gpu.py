"""GPU throughput and memory of the configured models under the project's LoRA set-up.

For each model: train tokens/s, peak training memory, generation tokens/s and model FLOPs
utilisation (MFU), and the largest power-of-two batch that fits a 24 GiB and an 80 GiB card
(the per-model ``batch_size`` defaults in conf/model/ come from this table).

Weights do not change speed or memory, so each model is built from its published architecture
(below; the parameter count is checked against the published size) with random weights: the
benchmark needs no hub access, and the GPU machines here have none. As in ``trainer=gpu``: bf16
weights (the checkpoints' dtype), bf16 autocast, SDPA attention, LoRA from conf/lora/default.yaml
on each model's conf/model/ target modules, wrapped by the project's ``build_peft_model``.

    python benchmarks/bench_gpu.py                        # Qwen2.5-0.5B (the issue's target)
    python benchmarks/bench_gpu.py --models all --out benchmarks/results/gpu.json
    python benchmarks/bench_gpu.py --device cpu --tiny --steps 2   # code-path check on a CPU

MFU: 6 x parameters x tokens per step is the usual convention for full fine-tuning. With a frozen
base the weight-gradient third of the backward pass is skipped, so LoRA does about 4N: both
utilisations are reported against the GPU's dense bf16 peak.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import torch
from peft import LoraConfig
from transformers import AutoConfig, AutoModelForCausalLM

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tide_exp.modules.lora_causal_lm_module import build_peft_model  # noqa: E402

# Architecture fields of each hub checkpoint's config.json; (fields, published parameter count).
ARCHITECTURES: dict[str, tuple[dict, float]] = {
    "smollm2_135m": (
        dict(model_type="llama", hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
             num_attention_heads=9, num_key_value_heads=3, vocab_size=49152,
             tie_word_embeddings=True),
        0.135e9,
    ),
    "qwen2_5_0_5b": (
        dict(model_type="qwen2", hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
             num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
             tie_word_embeddings=True),
        0.494e9,
    ),
    "qwen2_5_1_5b": (
        dict(model_type="qwen2", hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
             num_attention_heads=12, num_key_value_heads=2, vocab_size=151936,
             tie_word_embeddings=True),
        1.54e9,
    ),
    "qwen2_5_3b": (
        dict(model_type="qwen2", hidden_size=2048, intermediate_size=11008, num_hidden_layers=36,
             num_attention_heads=16, num_key_value_heads=2, vocab_size=151936,
             tie_word_embeddings=True),
        3.09e9,
    ),
    "r1_distill_qwen_1_5b": (
        dict(model_type="qwen2", hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
             num_attention_heads=12, num_key_value_heads=2, vocab_size=151936,
             tie_word_embeddings=False),
        1.78e9,
    ),
    "llama3_2_1b": (
        dict(model_type="llama", hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
             num_attention_heads=32, num_key_value_heads=8, vocab_size=128256,
             tie_word_embeddings=True),
        1.24e9,
    ),
    "llama3_2_3b": (
        dict(model_type="llama", hidden_size=3072, intermediate_size=8192, num_hidden_layers=28,
             num_attention_heads=24, num_key_value_heads=8, vocab_size=128256,
             tie_word_embeddings=True),
        3.21e9,
    ),
    "phi3_5_mini": (
        dict(model_type="phi3", hidden_size=3072, intermediate_size=8192, num_hidden_layers=32,
             num_attention_heads=32, num_key_value_heads=32, vocab_size=32064,
             tie_word_embeddings=False),
        3.82e9,
    ),
    "granite3_1_3b": (
        dict(model_type="granitemoe", hidden_size=1536, intermediate_size=512,
             num_hidden_layers=32, num_attention_heads=24, num_key_value_heads=8,
             num_local_experts=40, num_experts_per_tok=8, vocab_size=49155,
             tie_word_embeddings=True),
        3.30e9,
    ),
    "qwen1_5_1_8b_chat": (
        dict(model_type="qwen2", hidden_size=2048, intermediate_size=5504, num_hidden_layers=24,
             num_attention_heads=16, num_key_value_heads=16, vocab_size=151936,
             tie_word_embeddings=False),
        1.84e9,
    ),
}  # fmt: skip
TINY = dict(
    model_type="qwen2",
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    vocab_size=1024,
)
PEAK_BF16_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0}
GIB = 2**30


def peak_tflops(name: str) -> float | None:
    return next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def lora_config(model_name: str) -> LoraConfig:
    """conf/lora/default.yaml with the target modules of conf/model/<model_name>.yaml, composed
    as a run composes them (a model file takes its targets from its base, conf/model_base/)."""
    from tide_exp.config.compose import compose_config

    cfg = compose_config([f"model={model_name}"])
    return LoraConfig(
        task_type="CAUSAL_LM",
        r=cfg.lora.r,
        lora_alpha=cfg.lora.lora_alpha,
        lora_dropout=cfg.lora.lora_dropout,
        target_modules=list(cfg.model.lora_target_modules),
    )


def largest_batch(fixed: float, per_sample: float, budget_gib: float) -> int:
    """Largest power of two whose predicted peak memory fits ``budget_gib`` (0: none fits)."""
    budget = budget_gib * GIB
    if fixed + per_sample > budget:
        return 0
    batch = 1
    while batch < 1024 and fixed + per_sample * batch * 2 <= budget:
        batch *= 2
    return batch


def bench_model(name: str, args: argparse.Namespace) -> dict:
    fields, published = (TINY, None) if args.tiny else ARCHITECTURES[name]
    torch.manual_seed(0)
    config = AutoConfig.for_model(**fields)
    with torch.device(args.device):  # initialise on the GPU: seconds instead of minutes for 3B
        model = AutoModelForCausalLM.from_config(
            config, dtype=torch.bfloat16, attn_implementation="sdpa"
        )
    n_params = sum(p.numel() for p in model.parameters())
    if published and abs(n_params / published - 1) > 0.02:
        raise SystemExit(f"{name}: {n_params:,} parameters, published {published:,.0f}")
    model = build_peft_model(
        model, lora_config(name), gradient_checkpointing=args.gradient_checkpointing
    )
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)

    def step(batch: int) -> None:
        ids = torch.randint(0, config.vocab_size, (batch, args.seq), device=args.device)
        with torch.autocast(args.device, dtype=torch.bfloat16, enabled=args.device == "cuda"):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def peak_memory(batch: int) -> int:
        if args.device != "cuda":
            return 0
        sync(args.device)
        torch.cuda.reset_peak_memory_stats()
        step(batch)
        sync(args.device)
        return torch.cuda.max_memory_allocated()

    half = peak_memory(args.batch // 2)  # two batch sizes: fixed memory and memory per sample
    for _ in range(3):  # warm-up: kernels, allocator
        step(args.batch)
    full = peak_memory(args.batch)
    sync(args.device)
    start = time.perf_counter()
    for _ in range(args.steps):
        step(args.batch)
    sync(args.device)
    train_tps = args.batch * args.seq * args.steps / (time.perf_counter() - start)
    per_sample = max(full - half, 1) / (args.batch - args.batch // 2)
    fixed = full - per_sample * args.batch

    model.eval()
    prompt = torch.randint(0, config.vocab_size, (args.gen_batch, 64), device=args.device)
    with torch.no_grad():  # bf16 weights: generation needs no autocast (the callback uses none)
        model.generate(input_ids=prompt, max_new_tokens=8, min_new_tokens=8, do_sample=False)
        sync(args.device)
        start = time.perf_counter()
        model.generate(
            input_ids=prompt,
            max_new_tokens=args.gen_tokens,
            min_new_tokens=args.gen_tokens,
            do_sample=False,
        )
        sync(args.device)
    gen_tps = args.gen_batch * args.gen_tokens / (time.perf_counter() - start)

    peak = args.peak_tflops or peak_tflops(device_name(args.device))
    return {
        "model": name if not args.tiny else "tiny qwen2",
        "params": n_params,
        "gradient_checkpointing": args.gradient_checkpointing,
        "batch": args.batch,
        "seq": args.seq,
        "train_tokens_per_s": round(train_tps, 1),
        "peak_train_memory_gib": round(full / GIB, 2),
        "train_memory_per_sample_gib": round(per_sample / GIB, 3),
        "generation_batch": args.gen_batch,
        "generation_tokens_per_s": round(gen_tps, 1),
        "mfu_6n": round(6 * n_params * train_tps / (peak * 1e12), 4) if peak else None,
        "mfu_4n": round(4 * n_params * train_tps / (peak * 1e12), 4) if peak else None,
        "max_batch_24gib": largest_batch(fixed, per_sample, 22.0) if full else None,
        "max_batch_80gib": largest_batch(fixed, per_sample, 76.0) if full else None,
    }


def device_name(device: str) -> str:
    return torch.cuda.get_device_name() if device == "cuda" else "cpu"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--models", default="qwen2_5_0_5b", help="comma-separated, or 'all'")
    parser.add_argument("--tiny", action="store_true", help="a 2-layer model, to check the code")
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--gen-batch", type=int, default=32)
    parser.add_argument("--gen-tokens", type=int, default=128)
    parser.add_argument("--peak-tflops", type=float, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("bench_gpu needs a CUDA GPU (or --device cpu --tiny for a code-path check).")
    names = list(ARCHITECTURES) if args.models == "all" else args.models.split(",")
    unknown = sorted(set(names) - set(ARCHITECTURES))
    if unknown:
        sys.exit(f"unknown models {unknown}; choose from {list(ARCHITECTURES)}")

    rows = []
    for name in names[:1] if args.tiny else names:
        try:
            rows.append(bench_model(name, args))
        except torch.cuda.OutOfMemoryError:
            rows.append({"model": name, "error": "out of memory at this batch and length"})
        if args.device == "cuda":
            torch.cuda.empty_cache()  # the model of this row is gone with bench_model's frame
        print(json.dumps(rows[-1]), flush=True)

    record = {
        "date": dt.date.today().isoformat(),
        "device": device_name(args.device),
        "torch": torch.__version__,
        "peak_bf16_tflops": args.peak_tflops or peak_tflops(device_name(args.device)),
        "weights": "random, published architectures",
        "rows": rows,
    }
    keys = ["model", "train_tokens_per_s", "peak_train_memory_gib", "generation_tokens_per_s"]
    keys += ["mfu_4n", "mfu_6n", "max_batch_24gib", "max_batch_80gib"]
    print(f"\n{record['device']}, torch {record['torch']}, batch {args.batch} x seq {args.seq}")
    print("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row.get(k, row.get("error", ""))) for k in keys) + " |")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
