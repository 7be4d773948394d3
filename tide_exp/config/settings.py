"""Which settings matter: the run's settings as results.json records them (what it computes, not
where it writes), and the keys a re-run into a finished folder may change (:func:`config_differences`).
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

# Config parts that say where a run writes or how it is logged, not what it computes.
_NOT_SETTINGS_TOP = ("hydra", "paths", "logger", "callbacks")
# Keys that never define a Table 1 row: seeds are what the report aggregates over (data.seed
# follows seed), the rest change where things go or how fast, not the numbers.
NOT_SETTINGS = frozenset(
    {
        "seed",
        "data.seed",
        "resume",
        "optimized_metric",
        "data.manifest_dir",
        "data.split_manifest",
        "data.num_workers",
        "data.eval_batch_size",
        "eval.generation.batch_size",
        "model.loader.cache_dir",
    }
)


def run_settings(cfg: DictConfig) -> dict[str, Any]:
    """The run's resolved settings as flat ``dotted.key -> value`` (what results.json records).

    Left out: where the run writes and how it logs (``paths``, ``logger``, ``callbacks``,
    ``hydra``, keys ending in ``dir`` or ``dirpath``) and :data:`NOT_SETTINGS`; the report
    groups runs by the settings that differ between them.
    """
    container = {
        key: OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value
        for key, value in cfg.items()
        if key not in _NOT_SETTINGS_TOP
    }
    flat: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        else:
            leaf = prefix.rsplit(".", 1)[-1]
            if prefix not in NOT_SETTINGS and not leaf.endswith(("dir", "dirpath")):
                flat[prefix] = node  # *_dir, *dirpath: where the run writes, not what it computes

    walk(container, "")
    return flat


# Config keys that do not change a run's results: where files go, logging, resuming, threads.
# A re-run into a finished folder may differ in these and still counts as the same run.
IGNORED_KEYS = ("paths", "logger", "resume", "threads", "output_dir", "hydra")


# Keys added after runs were saved, each with the value that does what the code did before the
# key existed: a saved config without the key is the same run as a new one with that value (a
# re-run or resumed job is not "another setting" for a key it could not have had). A new switch
# whose default keeps the old behaviour is one line here.
ANY = object()  # an added key whose value changes no result the saved run recorded
ADDED_KEYS: dict[str, Any] = {
    "data.overlap": "warn",  # issue 31: held-out text shared with training only warned about
    "eval.prompts_file": None,  # issue 30: no fixed prompts
    "callbacks.generation_metrics.prompts_file": "${eval.prompts_file}",
    "eval.select": "last",  # issue 28: the last epoch's weights were the fine-tuned ones
    "callbacks.generation_metrics.select": "${eval.select}",
    "eval.monitor": ANY,  # with select=last it only names the best epoch
    "eval.monitor_mode": ANY,
    "callbacks.generation_metrics.monitor": "${eval.monitor}",
    "callbacks.generation_metrics.monitor_mode": "${eval.monitor_mode}",
    # Phases sample from the run's seed now; greedy replies (every shipped recipe but Study B's)
    # are the same, sampled ones were not reproducible before.
    "callbacks.generation_metrics.seed": "${seed}",
    "eval.perplexity": "token",  # issue 30: val/perplexity was the token-weighted reading
    "module.perplexity": "${eval.perplexity}",
    "eval.generation.decoding": "greedy",  # issue 30: neutral settings, as before
    "data.source.dialogue_field": ANY,  # groups only the per-dialogue perplexity (new)
}


def config_differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two configs, :data:`IGNORED_KEYS` left out, and
    a key of :data:`ADDED_KEYS` that only one has, at its old-behaviour value, the same."""
    if isinstance(old, dict) and isinstance(new, dict):
        changed = []
        for key in dict.fromkeys([*old, *new]):
            if not prefix and key in IGNORED_KEYS:
                continue
            name = f"{prefix}{key}"
            if key not in old or key not in new:
                value = (old if key in old else new)[key]
                if name in ADDED_KEYS and ADDED_KEYS[name] in (ANY, value):
                    continue
                changed.append(name)
            else:
                changed += config_differences(old[key], new[key], f"{name}.")
        return changed
    return [] if old == new else [prefix.rstrip(".")]
