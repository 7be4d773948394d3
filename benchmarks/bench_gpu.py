"""GPU throughput of Qwen2.5-0.5B under the project's LoRA set-up: train tokens/s, generation
tokens/s and model FLOPs utilisation (MFU).

The weights do not matter for speed, so the model is built from Qwen2.5-0.5B's published
architecture with random weights: the benchmark needs no hub access (the GPU machines here
have none). bf16, SDPA attention, LoRA r 8 on q/k/v/o as in conf/model/qwen2_5_0_5b.yaml.

    python benchmarks/bench_gpu.py [--batch 16 --seq 256 --steps 20] [--out results/gpu.json]
    python benchmarks/bench_gpu.py --device cpu --tiny --steps 2     # code-path check on a CPU

MFU counts 6 x parameters x tokens per training step (the usual convention; with a frozen base,
the weight-gradient third is mostly skipped, so 6N overstates work a little) against the
GPU's dense bf16 peak.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoConfig, AutoModelForCausalLM

# Qwen/Qwen2.5-0.5B-Instruct config.json (architecture only).
QWEN2_5_0_5B = dict(
    model_type="qwen2",
    hidden_size=896,
    intermediate_size=4864,
    num_hidden_layers=24,
    num_attention_heads=14,
    num_key_value_heads=2,
    vocab_size=151936,
    max_position_embeddings=32768,
    rope_theta=1000000.0,
    rms_norm_eps=1e-6,
    tie_word_embeddings=True,
)
TINY = dict(
    QWEN2_5_0_5B,
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    vocab_size=1024,
)
PEAK_BF16_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0}


def peak_tflops(name: str) -> float | None:
    return next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument(
        "--tiny", action="store_true", help="a 2-layer model, for checking the script"
    )
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

    torch.manual_seed(0)
    dtype = torch.bfloat16
    config = AutoConfig.for_model(**(TINY if args.tiny else QWEN2_5_0_5B))
    model = AutoModelForCausalLM.from_config(config, dtype=dtype, attn_implementation="sdpa").to(
        args.device
    )
    n_params = sum(p.numel() for p in model.parameters())
    model = get_peft_model(
        model,
        LoraConfig(
            task_type="CAUSAL_LM",
            r=8,
            lora_alpha=16,
            target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
        ),
    )
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    ids = torch.randint(0, config.vocab_size, (args.batch, args.seq), device=args.device)

    def step() -> None:
        with torch.autocast(args.device, dtype=dtype, enabled=args.device == "cuda"):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(3):  # warm-up: kernels, allocator
        step()
    sync(args.device)
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync(args.device)
    train_s = time.perf_counter() - start
    train_tps = args.batch * args.seq * args.steps / train_s

    model.eval()
    prompt = torch.randint(0, config.vocab_size, (args.gen_batch, 64), device=args.device)
    with torch.no_grad():
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

    name = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    peak = args.peak_tflops or peak_tflops(name)
    record = {
        "date": dt.date.today().isoformat(),
        "device": name,
        "model": "Qwen2.5-0.5B architecture (random weights)" if not args.tiny else "tiny Qwen2",
        "params": n_params,
        "batch": args.batch,
        "seq": args.seq,
        "train_tokens_per_s": round(train_tps, 1),
        "generation_tokens_per_s": round(gen_tps, 1),
        "mfu": round(6 * n_params * train_tps / (peak * 1e12), 4) if peak else None,
        "peak_bf16_tflops": peak,
        "torch": torch.__version__,
    }
    print(json.dumps(record, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
