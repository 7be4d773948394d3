"""The layer rule, read from the imports of every module (docs/architecture.md draws it).

Layers point down: a module imports only its own layer or lower ones, and never another
module's private (``_``-prefixed) names. A new package or top-level module must be placed in
:data:`LAYERS` (the most specific prefix wins) before this test passes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tide_exp

PACKAGE = Path(tide_exp.__file__).parent

# 0: the bottom (stdlib, third-party and errors only, besides each other)
# 1: data in, models, metrics, generation, judges and the safety probe's rules
# 2: Lightning pieces built on them (module, callbacks) and the config validator
# 3: one run and one job (run(cfg), run_job, the run's console summary)
# 4: what reads many runs or talks to the user: reporting, humaneval, CLIs
LAYERS: dict[str, int] = {
    "tide_exp": 0,  # the package's __init__
    "tide_exp.errors": 0,
    "tide_exp.files": 0,  # checks, atomic writers, readers, parsing of untrusted text
    "tide_exp.runs.names": 0,  # the names of the files one run writes
    "tide_exp.runs.folder": 0,  # one run folder: its paths, typed reads, atomic writes, re-runs
    "tide_exp.runs.finding": 0,  # the run folders under a path, in job order
    "tide_exp.runs.results": 0,  # results.json's schema and constructor
    "tide_exp.config": 0,  # compose, resolvers, recorded settings, Hydra/OmegaConf private names
    "tide_exp.config.validation": 2,  # checks a composed config against metrics and decoding
    "tide_exp.config.values": 2,  # the ranges and choices of single keys (choices read from data)
    "tide_exp.config.search_space": 2,  # a sweep's values checked as the validator checks a job
    "tide_exp.tracking": 2,  # loggers (Lightning), log_row
    "tide_exp.tracking.console": 0,  # third-party console noise silenced
    "tide_exp.tracking.wandb_offline": 0,  # an offline W&B run read back
    "tide_exp.data": 1,
    "tide_exp.models": 1,
    "tide_exp.metrics": 1,
    "tide_exp.metrics.ranges": 0,  # the values each metric can take (every reader of a score)
    "tide_exp.generation": 1,
    "tide_exp.judge": 1,
    "tide_exp.safety": 1,
    "tide_exp.modules": 2,
    "tide_exp.callbacks": 2,
    "tide_exp.runs": 3,  # run(cfg), the job around it, its summary, dashboard, retiring
    "tide_exp.reporting": 4,
    "tide_exp.humaneval": 4,
    "tide_exp.cli": 4,  # every command (declared in its module: cli.registry), and `tide`
    "tide_exp.__main__": 4,  # a shim: python -m tide_exp is tide train (cli.train)
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(name: str) -> int | None:
    """The layer of the most specific prefix of ``name`` in LAYERS (None: not placed)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in LAYERS and (end > 1 or name == "tide_exp"):
            return LAYERS[prefix]
    return None


def _is_module(dotted: str) -> bool:
    base = PACKAGE.parent / dotted.replace(".", "/")
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(
    name: str, source: str, is_package: bool = False
) -> list[tuple[int, str, list[str]]]:
    """``(line, imported module, names)`` for every tide_exp import in ``source``."""
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, target] if target else base)
            names = [a.name for a in node.names]
            # `from tide_exp.metrics import bertscore` imports a submodule, not a name.
            subs = [n for n in names if _is_module(f"{target}.{n}")]
            found += [(node.lineno, f"{target}.{n}", []) for n in subs]
            if rest := [n for n in names if n not in subs]:
                found.append((node.lineno, target, rest))
    return [f for f in found if f[1] == "tide_exp" or f[1].startswith("tide_exp.")]


def problems(name: str, source: str, is_package: bool = False) -> list[str]:
    """Upward imports and private names taken from another module, one line each."""
    own = layer_of(name)
    found = []
    for line, target, names in imports_of(name, source, is_package):
        theirs = layer_of(target)
        if own is not None and theirs is not None and theirs > own:
            found.append(f"line {line}: {name} (layer {own}) imports {target} (layer {theirs})")
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        if private and target != name:
            found.append(f"line {line}: {name} imports private {private} from {target}")
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_placed_in_a_layer():
    unplaced = [module_name(p) for p in MODULES if layer_of(module_name(p)) is None]
    assert not unplaced, f"add these to LAYERS in {__file__}: {unplaced}"


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_imports_point_down_and_skip_private_names(path):
    source = path.read_text(encoding="utf-8")
    found = problems(module_name(path), source, path.name == "__init__.py")
    assert not found, "\n".join(found)


def package_imports() -> dict[str, set[str]]:
    """Which tide_exp packages each package's modules import (``tide_exp.data`` -> ...)."""
    found: dict[str, set[str]] = {}
    for path in MODULES:
        name = module_name(path)
        own = ".".join(name.split(".")[:2])
        source = path.read_text(encoding="utf-8")
        for _, target, _ in imports_of(name, source, path.name == "__init__.py"):
            other = ".".join(target.split(".")[:2])
            if other != own:
                found.setdefault(own, set()).add(other)
    return found


BUILDING_BLOCKS = sorted(p for p, layer in LAYERS.items() if layer == 1)


def test_the_building_blocks_import_each_other_one_way_only():
    """Layer 1 packages may use each other, but never both ways round (data <-> models was a
    cycle: a test model built from the sample corpus, a hub dataset asking the model loader)."""
    imports = package_imports()
    cycles = []
    for package in BUILDING_BLOCKS:
        seen, todo = set(), [t for t in imports.get(package, ()) if t in BUILDING_BLOCKS]
        while todo:
            current = todo.pop()
            if current == package:
                cycles.append(package)
                break
            if current not in seen:
                seen.add(current)
                todo += [t for t in imports.get(current, ()) if t in BUILDING_BLOCKS]
    assert not cycles, f"these layer-1 packages import themselves in a cycle: {cycles}"


def test_the_checker_catches_upward_imports_and_private_names():
    source = (
        "from tide_exp.reporting.table1 import write_report\n"
        "from tide_exp.models.loading import _secret\n"
        "from ..metrics import rouge\n"
        "def f():\n    import tide_exp.cli.humaneval\n"
    )
    found = problems("tide_exp.data.chat", source)
    assert len(found) == 3
    assert "imports tide_exp.reporting.table1 (layer 4)" in found[0]
    assert "private ['_secret']" in found[1]
    assert "imports tide_exp.cli.humaneval (layer 4)" in found[2]
    assert layer_of("tide_exp.cli.safety") > layer_of("tide_exp.safety.probe")
    assert layer_of("tide_exp.newthing") is None
