"""Loggers that keep a resumed run's history (CSV rows, W&B steps), and the one place that
decides at which step a row is logged.

Lightning logs the module's own values (``train/*``, ``val/loss``) at its logging step, the
number of batches that stepped the optimizer so far, which during validation is one below
``trainer.global_step``. Rows logged by callbacks and phases (generation metrics, tables, the
safety probe, base/fine-tuned validation) go through :func:`log_row` at that same step, so every
row's step only goes up: W&B drops a row logged below the run's current step ("ignoring partial
history record"), which dropped ``val/loss`` when callbacks logged at ``global_step``.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lightning_fabric.loggers.logger import rank_zero_experiment
from lightning_fabric.utilities.rank_zero import rank_zero_only
from pytorch_lightning.loggers import CSVLogger, WandbLogger
from pytorch_lightning.loggers.csv_logs import ExperimentWriter

from tide_exp.tracking.compat import add_prefix, batches_that_stepped
from tide_exp.tracking.wandb_journal import Journal, journal_path, lost_rows

log = logging.getLogger(__name__)

# Per-epoch evaluation is plotted against this key: epochs of training behind the values
# (0: zero-shot, k: after the k-th epoch), so runs of different lengths and batch sizes line up.
EVAL_EPOCH = "eval/epoch"
EPOCH_PREFIXES = ("val/",)  # keys plotted against EVAL_EPOCH on W&B (val/gen/*, val/loss, ...)


def log_step(trainer: Any) -> int:
    """The step of the row Lightning's own logging writes now (the module's ``self.log``):
    batches that stepped the optimizer (a private counter, read through tide_exp.tracking.compat)."""
    return batches_that_stepped(trainer)


def epochs_trained(trainer: Any) -> int:
    """Epochs of training behind the weights evaluated now: 0 before training, ``k`` in the
    validation after the k-th epoch, the completed epochs in a validation outside ``fit``."""
    done = int(trainer.fit_loop.epoch_progress.current.completed)
    inside_fit = trainer.state.fn == "fit" and trainer.validating
    return done + 1 if inside_fit else done


def log_row(
    trainer: Any,
    scalars: Mapping[str, float],
    tables: Mapping[str, tuple[Sequence[str], Sequence[Sequence[Any]]]] | None = None,
) -> int:
    """Log a phase's scalars to every logger, and its tables (``key: (columns, rows)``) to W&B,
    at :func:`log_step`; a row with ``val/`` keys also carries :data:`EVAL_EPOCH`.

    Returns:
        The step the row was logged at.
    """
    step = log_step(trainer)
    row = dict(scalars)
    if any(k.startswith(EPOCH_PREFIXES) for k in row):
        row.setdefault(EVAL_EPOCH, epochs_trained(trainer))
    for logger in trainer.loggers:
        logger.log_metrics(row, step=step)
        if isinstance(logger, WandbLogger):
            for key, (columns, data) in (tables or {}).items():
                logger.log_table(
                    key=key, columns=list(columns), data=[list(r) for r in data], step=step
                )
    return step


class _AppendingWriter(ExperimentWriter):
    """Lightning's CSV writer, except that an existing ``metrics.csv`` is continued.

    Lightning deletes ``metrics.csv`` when its folder is not empty, so a run resumed from a
    checkpoint kept only the epochs after the resume. Here the old rows stay and the header's
    keys are taken up, so new rows append under the same columns (new keys rewrite the header,
    as Lightning does). Steps between the last checkpoint and a kill are logged twice: the later
    row of a step is the one the resumed run took.
    """

    def _check_log_dir_exists(self) -> None:
        if not os.path.isfile(self.metrics_file_path):
            return
        with open(self.metrics_file_path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), [])
        self.metrics_keys = sorted(set(header))


class ResumableCSVLogger(CSVLogger):
    """``CSVLogger`` whose ``metrics.csv`` survives a resume (same arguments as CSVLogger)."""

    @property
    @rank_zero_experiment
    def experiment(self) -> ExperimentWriter:
        if self._experiment is None:
            os.makedirs(self.root_dir, exist_ok=True)
            self._experiment = _AppendingWriter(log_dir=self.log_dir)
        return self._experiment


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"model": {"name": x}}`` -> ``{"model.name": x}`` (lists stay values)."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat |= flatten(value, f"{name}.")
        else:
            flat[name] = value
    return flat


# W&B's modes (WANDB_MODE); "disabled" turns W&B off, and so does the older WANDB_DISABLED=true.
WANDB_MODES = ("online", "offline", "disabled", "dryrun", "run", "shared")


def wandb_switched_off() -> str | None:
    """The environment setting that turns W&B off (``WANDB_MODE=disabled``,
    ``WANDB_DISABLED=true``), or ``None``; the W&B logger is then left out, and the run says so."""
    if os.environ.get("WANDB_MODE", "").strip().lower() == "disabled":
        return "WANDB_MODE=disabled"
    if os.environ.get("WANDB_DISABLED", "").strip().lower() in ("true", "1", "yes"):
        return f"WANDB_DISABLED={os.environ['WANDB_DISABLED']}"
    return None


def is_wandb_logger(node: Any) -> bool:
    """Whether a logger config node (with ``_target_``) builds a W&B logger."""
    from hydra.utils import get_class

    try:
        return issubclass(get_class(str(node["_target_"])), WandbLogger)
    except Exception:  # noqa: BLE001 - not importable here: instantiate will say so
        return False


def loggers_to_build(group: Any) -> dict[str, Any]:
    """The logger config nodes to build (``logger.<name>``): all, less W&B's when the
    environment turns W&B off (:func:`wandb_switched_off`), which the run says on the console."""
    nodes = {k: v for k, v in (group or {}).items() if hasattr(v, "keys") and "_target_" in v}
    off = wandb_switched_off()
    dropped = [k for k, v in nodes.items() if off and is_wandb_logger(v)]
    if dropped:
        log.warning(
            "%s in the environment: no W&B run is written (logger.%s left out); unset it to log "
            "to W&B",
            off,
            ", logger.".join(dropped),
        )
    return {k: v for k, v in nodes.items() if k not in dropped}


class StepWandbLogger(WandbLogger):
    """``WandbLogger`` that gives W&B the trainer's global step as the row's ``_step``.

    It also drops W&B's per-run "anonymous setting" warning: Lightning always passes
    ``anonymous=None`` to ``wandb.init``, and current W&B warns whenever the key is present.

    Lightning's logger lets W&B count ``_step`` itself, from 0 in every process. A job resumed
    from a checkpoint continues the same W&B run (same id), so its rows reuse steps the first
    process already wrote; W&B ignores rows logged below a run's current step ("Steps must be
    monotonically increasing"), so syncing the resumed offline run can drop its epochs.
    The trainer's logging step is restored from the checkpoint, so it only goes up.

    Nothing is dropped by construction: a row asked for below the highest step logged so far is
    logged at that step (with a warning naming its keys) rather than refused by W&B. Keys under
    ``val/`` are plotted against :data:`EVAL_EPOCH` (``define_metric``), the rest against the
    step. Every row sent is kept in a journal beside the run; a resumed job first logs again
    what a killed process sent but W&B never wrote (:mod:`tide_exp.tracking.wandb_journal`).

    Args:
        job_type: W&B job type (``train`` for runs, ``report`` for a sweep's Table 1 run).
        args, kwargs: As :class:`~pytorch_lightning.loggers.WandbLogger` (W&B's ``init``).
    """

    def __init__(self, *args: Any, job_type: str | None = "train", **kwargs: Any) -> None:
        super().__init__(*args, job_type=job_type, **kwargs)
        if self._wandb_init.get("anonymous") is None:
            self._wandb_init.pop("anonymous", None)
        self._high_step = -1
        self._defined: set[str] = set()
        self._journal: Journal | None = None
        self._journal_opened = False

    def log_hyperparams(self, params: Any) -> None:
        """The config flattened to dotted keys (``model.name``, ``lora.r``), which W&B's runs
        table groups by and its parallel-coordinates plot reads without editing."""
        super().log_hyperparams(flatten(dict(params)))

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        if step is None or self._wandb_init.get("sync_tensorboard"):
            super().log_metrics(metrics, step)
            return
        metrics = add_prefix(metrics, self._prefix, self.LOGGER_JOIN_CHAR)
        if not self._journal_opened and rank_zero_only.rank == 0:
            self._journal_opened = True
            self._journal = self._resume_journal(step)
        if step < self._high_step:
            log.warning(
                "W&B: %s asked for step %d after step %d; logged at %d so W&B keeps it",
                ", ".join(sorted(metrics)),
                step,
                self._high_step,
                self._high_step,
            )
        self._high_step = max(self._high_step, step)
        self._define_axes(metrics)
        row = {**metrics, "trainer/global_step": self._high_step}
        self.experiment.log(row, step=self._high_step)
        if self._journal is not None:
            self._journal.add(self._high_step, row)

    def _resume_journal(self, first_step: int) -> Journal | None:
        """Log again what an earlier process of this run sent at a step below ``first_step``
        and W&B never wrote (it was killed before W&B's next write), then open the journal."""
        run = self.experiment
        if not isinstance(getattr(run, "dir", None), str) or not getattr(run, "id", None):
            return None  # not a W&B run (a disabled one, a test's recorder)
        current = Path(run.dir).parent  # this process's offline-run-* folder (run.dir: files/)
        journal = journal_path(current.parent, run.id)
        lost = lost_rows(journal, current.parent, run.id, current, first_step)
        for step, row in lost:
            self._define_axes(row)
            run.log({**row, "trainer/global_step": step}, step=step)
            self._high_step = max(self._high_step, step)
        if lost:
            log.warning(
                "W&B: logged again %d values of steps %d-%d that the previous process of this run "
                "sent but W&B never wrote (it was killed before W&B's next write)",
                sum(len(row) for _, row in lost),
                lost[0][0],
                lost[-1][0],
            )
        return Journal(journal)

    def _define_axes(self, metrics: Mapping[str, Any]) -> None:
        """Per-epoch evaluation keys against :data:`EVAL_EPOCH`; an exact definition takes
        precedence over Lightning's ``*`` -> ``trainer/global_step``."""
        new = [k for k in metrics if k.startswith(EPOCH_PREFIXES) and k not in self._defined]
        if not new or not getattr(self.experiment, "define_metric", None):
            return
        if EVAL_EPOCH not in self._defined:
            self.experiment.define_metric(EVAL_EPOCH)
            self._defined.add(EVAL_EPOCH)
        for key in new:
            self.experiment.define_metric(key, step_metric=EVAL_EPOCH)
            self._defined.add(key)
