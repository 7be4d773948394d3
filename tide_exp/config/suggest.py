"""Names near a misspelt one ("did you mean ..."), and the keys a composed config holds and reads.

One rule for every suggestion: the closest candidate by :func:`difflib.get_close_matches`
(ratio >= 0.6), so ``lora.rank`` gets ``lora.r``, ``+sead=1`` gets ``seed``, ``modle=x`` gets
``model=`` and ``tide trian`` gets ``train``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from omegaconf import DictConfig, ListConfig

from tide_exp.config.compat import raw_node, raw_value

CUTOFF = 0.6
# An interpolation's key: ${a.b}, ${oc.select:a.b,default}, ${.relative}; resolver names end in ':'.
_REFERENCE = re.compile(r"\$\{\s*(?:[\w.]+:)?\s*(\.*[A-Za-z_][\w.]*)")


def nearest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word``, or ``None`` when none is close."""
    found = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=CUTOFF)
    return found[0] if found else None


def did_you_mean(word: str, candidates: Iterable[str], shown: str = "{}") -> str:
    """``"; did you mean X?"`` for the nearest candidate (``shown`` formats it), else ``""``."""
    found = nearest(word, candidates)
    return f"; did you mean {shown.format(found)}?" if found else ""


def config_keys(node, path: str = "") -> list[str]:
    """Every dotted key of ``node`` (nodes and values, interpolations not resolved)."""
    keys = []
    if isinstance(node, DictConfig):
        for key in node:
            child = f"{path}.{key}" if path else str(key)
            keys.append(child)
            keys += config_keys(raw_node(node, key), child)
    return keys


def referenced_keys(node, path: str = "") -> set[str]:
    """The keys that an interpolation anywhere under ``node`` refers to (``${eval.metrics}``:
    ``eval.metrics``; a relative ``${.checkpoint}`` under ``model``: ``model.checkpoint``)."""
    found: set[str] = set()
    children = (
        [(str(k), raw_node(node, k), raw_value(node, k)) for k in node]
        if isinstance(node, DictConfig)
        else [(str(i), item, item) for i, item in enumerate(node)]
        if isinstance(node, ListConfig)
        else []
    )
    for key, child, value in children:
        if isinstance(child, (DictConfig, ListConfig)):
            found |= referenced_keys(child, f"{path}.{key}" if path else key)
        elif isinstance(value, str):
            for name in _REFERENCE.findall(value):
                dots = len(name) - len(name.lstrip("."))
                if dots:  # relative to the node holding the value (one dot: that node)
                    base = (
                        path.split(".")[: max(0, len(path.split(".")) - dots + 1)] if path else []
                    )
                    name = ".".join([*base, name.lstrip(".")])
                found.add(name.rstrip("."))
    return found
