"""Every node of a composed config with a ``_target_``, checked against its constructor's
signature: unknown keys, and values whose type contradicts a plain annotation
(``trainer.max_epochs=abc`` where ``int`` is due), named by the key a user sets.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from typing import Any

from hydra.utils import get_object
from omegaconf import DictConfig, ListConfig

from tide_exp.config.compat import raw_node, raw_value
from tide_exp.config.suggest import did_you_mean
from tide_exp.errors import ConfigError

HYDRA_KEYS = {"_target_", "_partial_", "_convert_", "_recursive_", "_args_"}
# Where the **kwargs of a target go: the keys those callables take are the target's keys too
# (``+logger.wandb.projct=x`` was wandb.init's TypeError once the model had loaded).
KWARGS_GO_TO: dict[str, tuple[str, ...]] = {
    "tide_exp.tracking.loggers.StepWandbLogger": (
        "pytorch_lightning.loggers.WandbLogger",
        "wandb.init",
    ),
}
_REFERENCE = re.compile(r"\$\{([\w.]+)\}")


def config_targets(node: Any, path: str = "") -> list[tuple[str, DictConfig]]:
    """Every node with a ``_target_`` under ``node``, with its dotted path."""
    found = []
    if isinstance(node, DictConfig):
        if "_target_" in node:
            found.append((path, node))
        for key in node:
            found += config_targets(raw_node(node, key), f"{path}.{key}" if path else str(key))
    elif isinstance(node, ListConfig):
        for i, item in enumerate(node):
            found += config_targets(item, f"{path}[{i}]")
    return found


def check_signature(path: str, node: DictConfig) -> None:
    """Unknown keys and values whose type contradicts the constructor's annotation."""
    try:
        target = get_object(node._target_)
        function = target.__init__ if inspect.isclass(target) else target
        signature = inspect.signature(function)
    except Exception:  # noqa: BLE001 - not importable here: instantiate will say so
        return
    parameters = dict(signature.parameters)
    receivers = KWARGS_GO_TO.get(str(node._target_), ())
    if receivers:  # its own *args / **kwargs are the receivers' arguments
        parameters = {n: p for n, p in parameters.items() if p.kind not in _VARIADIC}
        for receiver in receivers:
            parameters |= _parameters(receiver)
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        unknown = sorted(str(k) for k in node if k not in HYDRA_KEYS and k not in parameters)
        if unknown:
            names = [p for p in parameters if p != "self"]
            raise ConfigError(
                f"{path}.{unknown[0]} is not an argument of {node._target_}; remove it or check "
                f"its spelling{did_you_mean(unknown[0], names, f'{path}.{{}}')} "
                f"(arguments: {', '.join(names)})."
            )
    try:
        hints = typing.get_type_hints(target if _is_dataclass(target) else function)
    except Exception:  # noqa: BLE001 - annotations that do not evaluate: no type check
        hints = {}
    for key in node:
        if key in HYDRA_KEYS or key not in hints:
            continue
        try:
            value = node[key]
        except Exception:  # noqa: BLE001 - resolves only inside a Hydra job
            continue
        if isinstance(value, (DictConfig, ListConfig)):
            continue
        if _fits(value, hints[key]) is False:
            raise ConfigError(
                f"{_source_key(node, key, path)}={value!r} has the wrong type for {node._target_} "
                f"(expected {_describe(hints[key])}); fix the setting or override."
            )


_VARIADIC = (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)


def _parameters(dotted: str) -> dict[str, inspect.Parameter]:
    """The named parameters of the callable (or class) at ``dotted``: where **kwargs go."""
    target = get_object(dotted)
    function = target.__init__ if inspect.isclass(target) else target
    return {
        name: p
        for name, p in inspect.signature(function).parameters.items()
        if p.kind not in _VARIADIC and name != "self"
    }


def _source_key(node: DictConfig, key: str, path: str) -> str:
    """The key a user sets: ``eval.num_prompts`` for ``num_prompts: ${eval.num_prompts}``."""
    raw = raw_value(node, key)
    match = _REFERENCE.fullmatch(raw) if isinstance(raw, str) else None
    return f"{match.group(1)} (used as {path}.{key})" if match else f"{path}.{key}"


def _is_dataclass(target: Any) -> bool:
    import dataclasses

    return inspect.isclass(target) and dataclasses.is_dataclass(target)


def _fits(value: Any, annotation: Any) -> bool | None:
    """Whether ``value`` fits a plain annotation; ``None`` where the annotation is not plain."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        results = [_fits(value, arg) for arg in typing.get_args(annotation)]
        return True if True in results else None if None in results else False
    if origin is typing.Literal:
        return value in typing.get_args(annotation)
    if annotation is type(None):
        return value is None
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    return None


def _describe(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
