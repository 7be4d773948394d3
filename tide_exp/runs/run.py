"""``run(cfg)``: build everything from the composed config, fine-tune, evaluate, write results."""

from __future__ import annotations

import contextlib
import logging
import platform
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from tide_exp.callbacks.evaluation import EvaluationCallback, evaluation_callbacks
from tide_exp.config.resolvers import register_resolvers
from tide_exp.config.settings import run_settings
from tide_exp.config.validation import validate_config
from tide_exp.data.fingerprint import corpus_source, dataset_fingerprint
from tide_exp.errors import ConfigError
from tide_exp.files.atomic import write_folder
from tide_exp.models.configured import ConfiguredModel, load_configured
from tide_exp.modules.validation_phase import validate_phase
from tide_exp.runs.changes import base_to_tuned
from tide_exp.runs.dashboard import publish_run
from tide_exp.runs.folder import RunFolder
from tide_exp.runs.model_files import ModelFiles, model_files, write_model_files
from tide_exp.runs.results import ModelInfo, Outputs, Results, Timings
from tide_exp.runs.timings import phase_timings
from tide_exp.tracking.loggers import loggers_to_build

log = logging.getLogger(__name__)


def instantiate_children(group: DictConfig | None) -> list[Any]:
    """Instantiate each child of a named dict (callbacks, loggers) that has a ``_target_``."""
    return [
        instantiate(child)
        for child in (group or {}).values()
        if isinstance(child, DictConfig) and "_target_" in child
    ]


def build(node: DictConfig, **runtime: Any) -> Any:
    """Instantiate ``node`` with objects that exist only at run time (models, tokenizers).

    They are passed to the constructor directly rather than merged into the config, which would
    try (and fail) to turn dataclasses such as ``LoraConfig`` into config nodes.
    """
    return instantiate(node, _partial_=True)(**runtime)


def save_adapter(
    module: pl.LightningModule,
    target: Path,
    files: ModelFiles | None = None,
    base_model: str | None = None,
) -> Path:
    """Save the LoRA adapter (and tokenizer) with ``save_pretrained``, atomically.

    ``files`` (:func:`~tide_exp.runs.model_files.model_files`) add the run's chat template,
    ``generation_config.json`` and the model card in place of peft's blank README.md template;
    ``base_model`` (a hub id) replaces the local path peft records in adapter_config.json.
    """

    def fill(tmp: Path) -> None:
        module.model.save_pretrained(tmp)
        if files is None:
            module.tokenizer.save_pretrained(tmp)
        else:
            write_model_files(tmp, files, base_model)

    return write_folder(target, fill)


def run_folder(cfg: DictConfig) -> RunFolder:
    """The run's folder; its checkpoints go where the ModelCheckpoint callback writes them."""
    return RunFolder(Path(cfg.paths.output_dir), checkpoint_dir=cfg.paths.get("checkpoint_dir"))


@dataclass
class RunParts:
    """What :func:`run` builds from the config before training."""

    loaded: ConfiguredModel  # the base model, its tokenizer and chat formatter
    datamodule: pl.LightningDataModule
    module: pl.LightningModule
    callbacks: list[Any]
    loggers: list[Any]
    trainer: pl.Trainer


def wandb_off_note(cfg: DictConfig, overrides: list[str]) -> str | None:
    """One line when no logger of the run is W&B's (``debug=fast`` sets ``logger=csv``), so the
    empty W&B project is not a surprise; ``None`` when W&B logs.

    Args:
        overrides: The run's command-line overrides (``debug=fast`` is named when among them).
    """
    loggers = dict(cfg.get("logger") or {})
    if any(
        "wandb" in str(OmegaConf.select(c, "_target_", default="")).lower()
        for c in loggers.values()
    ):
        return None
    names = list(loggers)
    debug = next((o for o in overrides if o.lstrip("+~").startswith("debug=")), None)
    why = f" ({debug} sets it: a quick pipeline check)" if debug else ""
    return (
        f"W&B is off in this run: logger={','.join(names) or 'none'}{why}; add "
        f"logger=[{','.join([*names, 'wandb'])}] to log to W&B"
    )


def assemble(cfg: DictConfig, loaded: ConfiguredModel) -> RunParts:
    """The data, LoRA module, callbacks, loggers and trainer around the loaded model, as the
    config says; the loggers get the resolved config as their hyperparameters."""
    chat = loaded.chat
    datamodule = build(cfg.data, chat=chat)
    module = build(
        cfg.module,
        model=loaded.model,
        tokenizer=loaded.tokenizer,
        lora_config=instantiate(cfg.lora),
    )
    callbacks = instantiate_children(cfg.get("callbacks"))
    loggers = [instantiate(node) for node in loggers_to_build(cfg.get("logger")).values()]
    if note := wandb_off_note(cfg, _overrides()):
        log.info(note)
    for logger in loggers:
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))
    trainer: pl.Trainer = build(cfg.trainer, callbacks=callbacks, logger=loggers or False)
    return RunParts(loaded, datamodule, module, callbacks, loggers, trainer)


def _overrides() -> list[str]:
    """The command line's overrides of this Hydra job (none outside Hydra)."""
    from hydra.core.hydra_config import HydraConfig

    return list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []


def run(cfg: DictConfig) -> tuple[dict[str, float], dict[str, Any]]:
    """Fine-tune and evaluate one model as the config says.

    Returns:
        ``(metrics, objects)``: flat metrics (``zs/gen/rouge_l``, ``ft/gen/cosine``, ``val/loss``...)
        and the built objects (``trainer``, ``module``, ``datamodule``, ``results``) for tests.
    """
    register_resolvers()
    validate_config(cfg)  # before the model loads and W&B starts: a typo costs a second
    started = time.perf_counter()
    folder = run_folder(cfg)
    folder.path.mkdir(parents=True, exist_ok=True)
    pl.seed_everything(cfg.seed, workers=True)

    log.info("loading model %s", cfg.model.name)
    loaded = load_configured(cfg)  # the model, its tokenizer and chat formatter
    load_s = time.perf_counter() - started
    log.info("loaded %s in %.1f s", loaded.source, load_s)
    parts = assemble(cfg, loaded)
    trainer = parts.trainer
    last = folder.resume_checkpoint() if cfg.get("resume", True) else None
    validation, fit_s = fit(
        trainer,
        parts.module,
        parts.datamodule,
        str(last) if last else None,
        cfg.eval.get("validate_base"),
    )
    evaluations = evaluation_callbacks(parts.callbacks)
    metrics = final_metrics(trainer, evaluations, validation)
    seconds = {"load_s": load_s, "fit_s": fit_s, "started": started}
    results = collect_results(cfg, parts, evaluations, validation, metrics, seconds)
    if trainer.is_global_zero:
        records = folder.read_generations() if folder.generations_path.is_file() else []
        files = model_files(cfg, results, records, loaded.chat, parts.module.model)
        adapter = save_adapter(parts.module, folder.adapter_dir, files, cfg.model.hf_id)
        results["outputs"]["adapter"] = str(adapter)
        folder.write_results(results)  # checked against the whole schema first
        publish_run(parts.loggers, results, folder, cfg.get("optimized_metric"))
    objects = {"trainer": trainer, "module": parts.module, "datamodule": parts.datamodule}
    return metrics, {**objects, "results": results, "loaded": loaded}


def collect_results(
    cfg: DictConfig,
    parts: RunParts,
    evaluations: list[EvaluationCallback],
    validation: dict[str, Any],
    metrics: dict[str, float | None],
    seconds: dict[str, float],
) -> Results:
    """results.json of the finished run (:class:`~tide_exp.runs.results.Results`); its adapter
    path is filled in once the adapter is saved.

    Args:
        seconds: ``load_s`` and ``fit_s``, and ``started`` (the ``perf_counter`` at the start).
    """
    reports = {e.results_key: e.report() for e in evaluations}
    phases = reports.pop("phases", {})
    datamodule, module = parts.datamodule, parts.module
    outputs = Outputs(adapter=None, generations=None)  # each evaluation's files (generations...)
    outputs.update({name: path for e in evaluations for name, path in e.outputs().items()})
    return Results(
        status="ok",
        model=ModelInfo(
            name=cfg.model.name,
            display_name=cfg.model.display_name,
            hf_id=cfg.model.hf_id,
            source=parts.loaded.source,
        ),
        seed=cfg.seed,
        prompt=parts.loaded.chat.describe(),  # the exact system prompt, persona template, reasoning mode
        config=run_settings(cfg),
        phases=phases,
        **reports,  # other evaluations under their own keys (safety)
        validation=validation,  # token-weighted loss and perplexity before (zs) and after (ft)
        **({"changes": changes} if (changes := base_to_tuned(phases, validation)) else {}),
        not_computed=OmegaConf.to_container(cfg.eval.get("not_computed", OmegaConf.create())),
        final=metrics,
        params={"total": module.total_params, "trainable": module.trainable_params},
        data={  # real counts: after skipped rows, caps and examples too long to train on
            **datamodule.counts,
            # Prompts behind the final numbers (each phase's are in phases.<phase>.prompts).
            "eval_prompts": phases.get("ft", {}).get("prompts", {}).get("count", 0),
            **dataset_fingerprint(datamodule.manifest_path),
            **corpus_source(datamodule.manifest_path),  # the embedded sample is synthetic
        },
        timings=Timings(
            load_s=round(seconds["load_s"], 2),
            fit_s=round(seconds["fit_s"], 2),
            **phase_timings(phases, seconds["fit_s"]),
            total_s=round(time.perf_counter() - seconds["started"], 2),
        ),
        environment={name: _version(name) for name in ("torch", "transformers", "peft")}
        | {"python": platform.python_version()},
        outputs=outputs,
    )


def fit(
    trainer: pl.Trainer,
    module: pl.LightningModule,
    datamodule: pl.LightningDataModule,
    ckpt_path: str | None,
    validate_base: bool | None,
) -> tuple[dict[str, Any], float]:
    """Train (resuming from ``ckpt_path`` if given); with ``validate_base``, validate the base
    model before and the adapter after. Returns ``(validation, fit seconds)``.

    Raises:
        ConfigError: Training ran no optimizer step (a trainer limit stopped it first): the
            "fine-tuned" model would be the base model, so nothing is recorded as fine-tuned.
            The limits known to do so are refused before the model loads
            (:mod:`tide_exp.config.values`); this catches any other.
    """
    if ckpt_path:
        log.info("resuming from %s", ckpt_path)
    with _ctrl_c(trainer):
        validation = (
            {"zs": validate_phase(trainer, module, datamodule, "zs")} if validate_base else {}
        )
        fit_start = time.perf_counter()
        trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
        fit_s = time.perf_counter() - fit_start
        if trainer.global_step == 0:
            raise ConfigError(
                "training ran no optimizer step (no training step: a trainer limit such as "
                "trainer.max_steps, limit_train_batches or max_time stopped it first), so the "
                "fine-tuned model would be the base model and nothing is recorded as fine-tuned; "
                "raise that limit."
            )
        if validate_base:
            validation["ft"] = validate_phase(trainer, module, datamodule, "ft")
    return validation, fit_s


@contextlib.contextmanager
def _ctrl_c(trainer: pl.Trainer) -> Iterator[None]:
    """Ctrl-C inside Lightning (fit or validate) is Ctrl-C again: Lightning answers it with its
    shutdown line and exit status 1, while the job records the interruption and says how to
    resume (:mod:`tide_exp.runs.job`)."""
    try:
        yield
    except SystemExit:
        if trainer.interrupted:
            raise KeyboardInterrupt from None
        raise


def final_metrics(
    trainer: pl.Trainer, evaluations: list[EvaluationCallback], validation: dict[str, Any]
) -> dict[str, float | None]:
    """The run's flat metrics: the trainer's last logged values, each evaluation callback's
    scalars (generation means and reply-ending rates, safety rates), and validation before and
    after training."""
    metrics: dict[str, float | None] = {k: float(v) for k, v in trainer.callback_metrics.items()}
    for evaluation in evaluations:
        metrics.update(evaluation.scalars())
    for phase, values in validation.items():
        if values:
            names = ("loss", "perplexity", "perplexity_token", "perplexity_dialogue")
            metrics |= {f"{phase}/val/{k}": values[k] for k in names if k in values}
    return metrics


def _version(package: str) -> str:
    import importlib.metadata

    return importlib.metadata.version(package)
