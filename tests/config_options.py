"""Every shipped config option as ``(group, option)``, composable as ``group=option``."""

from __future__ import annotations

from pathlib import Path

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"
# *_base: included by the options of another group (conf/model/*, conf/data/*)
SKIP_GROUPS = {"hydra", "local", "model_base", "data_base"}
NESTED_GROUPS = {"eval/metrics"}  # a group inside a group: composed as `eval/metrics=<option>`


def config_options() -> list[tuple[str, str]]:
    pairs = []
    for group in sorted(p for p in CONF_DIR.iterdir() if p.is_dir() and p.name not in SKIP_GROUPS):
        for option in sorted(group.rglob("*.yaml")):
            name = str(option.relative_to(group).with_suffix(""))
            nested = f"{group.name}/{name.rpartition('/')[0]}"
            pairs.append((nested, option.stem) if nested in NESTED_GROUPS else (group.name, name))
    return pairs
