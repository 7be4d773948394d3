"""The allowed values of single config keys, in one place: ranges and choices.

Register a key here once and it is checked before the model loads, wherever it is set (an
override, an experiment file, a sweep's search space, a run's saved config), with one sentence
naming the key, the value and what is allowed:

- :data:`CHOICES`: a switch (``SWITCH``: true or false) or a value that is one of a few
  (``data.split_by``), as a tuple or a function returning one (choices another module owns,
  read from it rather than copied: ``module.scheduler.name`` from transformers);
- :data:`RANGES`: numbers that must lie in a range (counts, fractions, rates).

A constructor argument annotated ``bool``, ``int`` or ``Literal[...]`` is checked by its
signature already (:mod:`tide_exp.config.signatures`); a key that no constructor takes as its
own (``resume``, read by the job; ``eval.validate_base``, read by ``run()``;
``logger.wandb.offline``, passed on through ``**kwargs``) must be listed here.
``tests/unit/config/test_switches.py`` sets every boolean of every shipped config to a
non-boolean and fails on a key that nothing refuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from tide_exp.errors import ConfigError

MISSING = object()
SWITCH = (True, False)


def _whole(low: int, none: bool = False) -> tuple[Callable[[Any], bool], str]:
    def check(value: Any) -> bool:
        if value is None:
            return none
        return isinstance(value, int) and not isinstance(value, bool) and value >= low

    return check, f"a whole number >= {low}" + (" or null" if none else "")


def _number(low: float, high: float | None = None, open_low: bool = False, none: bool = False):
    def check(value: Any) -> bool:
        if value is None:
            return none
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        above = value > low if open_low else value >= low
        return above and (high is None or value < high)

    left = f"> {low}" if open_low else f">= {low}"
    return check, f"a number {left}" + (f" and < {high}" if high is not None else "") + (
        " or null" if none else ""
    )


def _max_steps(value: Any) -> bool:
    """Lightning's ``max_steps``: -1 (no limit) or at least one optimizer step (0 trains none)."""
    return isinstance(value, int) and not isinstance(value, bool) and (value == -1 or value >= 1)


def _train_batches(value: Any) -> bool:
    """``limit_train_batches``: a count >= 1 or a share in (0, 1] (0 or 0.0 trains nothing)."""
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return value >= 1 if isinstance(value, int) else 0 < value <= 1


def time_limit(value: Any) -> dt.timedelta | None:
    """Lightning's ``max_time`` as a duration: ``"DD:HH:MM:SS"`` or ``{days: .., hours: ..}``;
    ``None`` for a value Lightning would not read (a bare number is a traceback there)."""
    try:
        if isinstance(value, str):
            parts = [int(p) for p in value.split(":")]
            if len(parts) != 4:
                return None
            return dt.timedelta(days=parts[0], hours=parts[1], minutes=parts[2], seconds=parts[3])
        if isinstance(value, dict):
            return dt.timedelta(**value)
    except (TypeError, ValueError, OverflowError):
        return None
    return None


def _max_time(value: Any) -> bool:
    """``max_time``: null (no limit) or a positive duration (a zero one stops before a step)."""
    if value is None:
        return True
    limit = time_limit(value)
    return limit is not None and limit > dt.timedelta(0)


# Values a constructor would accept by type but that cannot mean anything sensible.
RANGES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "seed": _whole(0),
    "threads": _whole(1, none=True),  # 0 read as "torch's default" by a truthiness test
    "trainer.max_epochs": _whole(1),
    # Limits that stop before the first optimizer step would label the base model fine-tuned.
    "trainer.max_steps": (_max_steps, "-1 (no limit) or a whole number >= 1 (0 trains nothing)"),
    "trainer.limit_train_batches": (
        _train_batches,
        "a whole number >= 1, a share in (0, 1] or null (0 trains nothing)",
    ),
    "trainer.max_time": (
        _max_time,
        'null or a positive duration ("DD:HH:MM:SS", {hours: 1}; zero trains nothing)',
    ),
    "trainer.accumulate_grad_batches": _whole(1),
    "trainer.log_every_n_steps": _whole(1),
    "trainer.check_val_every_n_epoch": _whole(1, none=True),
    "trainer.gradient_clip_val": _number(0, none=True),
    "lora.r": _whole(1),
    "lora.lora_alpha": _number(0, open_low=True),
    "lora.lora_dropout": _number(0, 1),
    "data.max_length": _whole(1),
    "data.batch_size": _whole(1),
    "data.eval_batch_size": _whole(1),
    "data.eval_fraction": _number(0, 1, open_low=True),
    "data.max_train_examples": _whole(1, none=True),
    "data.max_eval_examples": _whole(1, none=True),
    "data.train_size": _whole(1, none=True),
    "data.eval_size": _whole(1, none=True),
    "data.num_workers": _whole(0),
    "data.source.max_chars": _whole(1, none=True),
    "data.source.history_turns": _whole(0, none=True),
    "data.max_target_tokens": _whole(1, none=True),
    "data.min_reply_tokens": _whole(0),
    "data.max_starved_share": _number(0, 1),
    "eval.num_prompts": _whole(1, none=True),
    "eval.final_num_prompts": _whole(1, none=True),
    "module.optimizer.lr": _number(0, open_low=True),
    # Hydra's own settings (checked before Hydra starts: tide_exp.cli.overrides).
    "hydra.sweeper.n_trials": _whole(1),
    "hydra.sweeper.n_jobs": _whole(1),
}


def _scheduler_names() -> tuple[str, ...]:
    from transformers import SchedulerType  # the names transformers' get_scheduler takes

    return tuple(s.value for s in SchedulerType)


def _chat_styles() -> tuple[Any, ...]:
    from tide_exp.data.chat_corpus import STYLES

    return (*STYLES, None)


def _chat_targets() -> tuple[str, ...]:
    from tide_exp.data.chat_corpus import TARGETS

    return tuple(TARGETS)


def _loss_on() -> tuple[str, ...]:
    from tide_exp.data.multiturn import LOSS_ON

    return tuple(LOSS_ON)


def _file_formats() -> tuple[Any, ...]:
    from tide_exp.data.readers import FORMATS

    return (*sorted(set(FORMATS.values())), None)


def _perplexity_readings() -> tuple[str, ...]:
    from tide_exp.metrics.perplexity import READINGS

    return READINGS


def _imperative_readings() -> tuple[str, ...]:
    from tide_exp.metrics.lexicon import IMPERATIVE_READINGS

    return tuple(IMPERATIVE_READINGS)


def _decoding_bases() -> tuple[str, ...]:
    from tide_exp.generation.decoding import DECODING_BASES

    return DECODING_BASES


def _chat_setting(name: str) -> Callable[[], tuple[str, ...]]:
    def choices() -> tuple[str, ...]:
        from tide_exp.data import chat

        return tuple(getattr(chat, name))

    return choices


# Switches and values that are one of a few. A new switch: one line here.
CHOICES: dict[str, tuple[Any, ...] | Callable[[], Iterable[Any]]] = {
    "resume": SWITCH,  # read by the job: "no" was truthy, so it resumed
    "eval.zero_shot": SWITCH,
    "eval.validate_base": SWITCH,
    "eval.safety": SWITCH,
    "eval.select": ("last", "best"),  # which epoch's weights are fine-tuned
    "eval.monitor_mode": ("max", "min"),
    "eval.perplexity": _perplexity_readings,  # which reading is val/perplexity
    "eval.generation.decoding": _decoding_bases,
    "logger.wandb.offline": SWITCH,  # passed to wandb.init through **kwargs: no signature check
    "logger.wandb.log_model": (*SWITCH, "all"),
    "module.scheduler.name": _scheduler_names,
    "data.split_by": ("persona", "sample"),
    "data.overlap": ("warn", "drop", "error"),  # tide_exp.data.overlap.OVERLAP
    "data.loss_on": _loss_on,
    "data.source.on_error": ("raise", "skip"),
    "data.source.duplicates": ("error", "keep", None),
    "data.source.style": _chat_styles,
    "data.source.targets": _chat_targets,
    "data.source.format": _file_formats,
    "model.chat.prompt_format": _chat_setting("PROMPT_FORMATS"),
    "model.chat.reasoning": _chat_setting("REASONING_MODES"),
    "model.chat.persona_placement": _chat_setting("PERSONA_PLACEMENTS"),
    # Inside nodes passed on through **kwargs (generate(), BitsAndBytesConfig, wandb.Settings,
    # FSDPStrategy, a metric's options): no signature to check them against.
    "eval.generation.generation_kwargs.do_sample": SWITCH,
    "eval.metrics.rouge_l.use_stemmer": SWITCH,
    "eval.metrics.first_person_imperatives.reading": _imperative_readings,
    "model.loader.quantization_config.load_in_4bit": SWITCH,
    "model.loader.quantization_config.bnb_4bit_use_double_quant": SWITCH,
    "logger.wandb.settings.quiet": SWITCH,
    "logger.wandb.settings.silent": SWITCH,
    "trainer.strategy.use_orig_params": SWITCH,
    # Hydra's own settings (checked before Hydra starts: tide_exp.cli.overrides).
    "hydra.callbacks.sweep_summary.exit_on_failure": SWITCH,
    "hydra.sweeper.direction": ("minimize", "maximize"),
}


def allowed_values(key: str) -> tuple[Any, ...]:
    """The choices registered for ``key`` (a function's are read now)."""
    choices = CHOICES[key]
    return tuple(choices() if callable(choices) else choices)


def shown(value: Any) -> str:
    """A value as it is written in YAML or an override: true, null, 'text', 3."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else repr(value)


def select(cfg: DictConfig, key: str) -> Any:
    """The resolved value at ``key`` (plain containers for nodes), or :data:`MISSING`."""
    try:
        value = OmegaConf.select(cfg, key, default=MISSING, throw_on_missing=False)
    except Exception:  # noqa: BLE001 - an interpolation that only resolves inside a Hydra job
        return MISSING
    return (
        OmegaConf.to_container(value, resolve=True)
        if isinstance(value, (DictConfig, ListConfig))
        else value
    )


def check_ranges(cfg: DictConfig, prefix: str = "") -> None:
    """The ranges and choices of single keys (what a command that reads part of the config,
    such as ``tide stats``, checks before it works); only keys under ``prefix`` if given.

    Raises:
        ConfigError: ``resume='maybe' is not one of true, false; pick one of them.``
    """
    for key, (check, expected) in RANGES.items():
        value = select(cfg, key) if key.startswith(prefix) else MISSING
        if value is not MISSING and not check(value):
            raise ConfigError(
                f"{key}={shown(value)} is not {expected}; fix the setting or override."
            )
    for key in CHOICES:
        value = select(cfg, key) if key.startswith(prefix) else MISSING
        if value is MISSING:
            continue
        allowed = allowed_values(key)
        # 1 == True and 0 == False in Python: a switch takes the booleans only.
        if not any(value == a and type(value) is type(a) for a in allowed):
            raise ConfigError(
                f"{key}={shown(value)} is not one of {', '.join(map(shown, allowed))}; "
                "pick one of them."
            )
