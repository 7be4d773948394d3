"""Options inherit their shared settings instead of copying them, so a new key is added once.

Each data option starts from conf/data_base/datamodule.yaml (chat corpora through
conf/data_base/chat_corpus.yaml, TIDE folders through conf/data_base/tide_folder.yaml), each eval
option from conf/eval/default.yaml, each model from conf/model_base/chat.yaml (hub models through
conf/model_base/hub.yaml); an option file sets only what differs. Reading the YAML files as
written: a key an option sets to its base's (or its base's base's) value is a copy this test
names.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

CONF = Path(__file__).resolve().parents[3] / "conf"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _copies(option: dict, base: dict, prefix: str = "") -> list[str]:
    """Keys ``option`` sets to exactly its base's value (nested dicts compared key by key)."""
    found = []
    for key, value in option.items():
        if key == "defaults" or key not in base:
            continue
        if isinstance(value, dict) and isinstance(base[key], dict) and value:
            found += _copies(value, base[key], f"{prefix}{key}.")
        elif value == base[key]:
            found.append(f"{prefix}{key}")
    return found


def _merged(base: dict, option: dict) -> dict:
    """``option`` over ``base``, nested dicts merged key by key (as Hydra merges ``_here_``)."""
    merged = dict(base)
    for key, value in option.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _base(option: Path) -> tuple[Path, dict]:
    """The base an option lists first, with the bases it in turn lists merged under it."""
    first = _load(option)["defaults"][0]
    group = option.parent.name if "/" not in first else first.strip("/").split("/")[0]
    name = first.strip("/").split("/")[-1].removesuffix("@_here_")
    path = CONF / group / f"{name}.yaml"
    config = _load(path)
    chain = _base(path)[1] if isinstance(config.get("defaults", [None])[0], str) else {}
    return path, _merged(chain, {k: v for k, v in config.items() if k != "defaults"})


DATA_BASES = (
    "/data_base/datamodule@_here_",
    "/data_base/chat_corpus@_here_",
    "/data_base/tide_folder@_here_",
)
CASES = (
    [(p, DATA_BASES) for p in sorted((CONF / "data").glob("*.yaml"))]
    + [(p, ("datamodule@_here_",)) for p in sorted((CONF / "data_base").glob("[ct]*.yaml"))]
    + [(p, ("default",)) for p in sorted((CONF / "eval").glob("study_*.yaml"))]
    + [
        (p, ("/model_base/chat@_here_", "/model_base/hub@_here_"))
        for p in sorted((CONF / "model").glob("*.yaml"))
    ]
)


@pytest.mark.parametrize(("option", "firsts"), CASES, ids=lambda v: getattr(v, "stem", None))
def test_option_inherits_and_sets_only_what_differs(option, firsts):
    config = _load(option)
    defaults = config.get("defaults", [])
    assert defaults and defaults[0] in firsts, f"{option}: list one of {firsts} first in defaults"
    base_path, base = _base(option)
    copies = _copies(config, base)
    assert not copies, f"{option.relative_to(CONF)} repeats {base_path.relative_to(CONF)}: {copies}"


def test_sibling_options_share_their_loader_through_a_base():
    """Two data options with the same loader list the same base rather than copying its source
    block; hub models take hf_id and checkpoint from conf/model_base/hub.yaml."""
    by_loader: dict[str, set[str]] = {}
    for path in sorted((CONF / "data").glob("*.yaml")):
        target = (
            _base(path)[1].get("source", {}).get("_target_") or _load(path)["source"]["_target_"]
        )
        by_loader.setdefault(target, set()).add(_load(path)["defaults"][0])
    assert all(len(firsts) == 1 for firsts in by_loader.values()), by_loader
    for path in sorted((CONF / "model").glob("*.yaml")):
        assert "hf_id" not in _load(path) or "checkpoints" not in _load(path), path
