"""A run that trained nothing is never reported as fine-tuned (issue 31, class 3).

``+trainer.max_steps=0``, ``limit_train_batches=0`` (or ``0.0``) and ``max_time=00:00:00:00``
exited 0 and labelled the base model "fine-tuned" in results.json, the adapter card and Table 1.
The class: every trainer limit that stops before the first optimizer step. The config check
refuses exactly the settings with which Lightning itself runs no step (a property over the
limits, each compared with a real ``Trainer.fit``), before the model loads; and a fit that
still ends without a step stops the run instead of recording a fine-tuned phase.
"""

from __future__ import annotations

import logging
import warnings

import pytest
import pytorch_lightning as pl
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from tide_exp.config.values import check_ranges
from tide_exp.errors import ConfigError

BATCHES = 4  # batches per epoch of the toy module


class Toy(pl.LightningModule):
    """One linear layer over random rows: an epoch of BATCHES optimizer steps in milliseconds."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch, batch_idx):
        return self.layer(batch).sum()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def train_dataloader(self):
        return torch.utils.data.DataLoader(torch.randn(2 * BATCHES, 2), batch_size=2)


def lightning_steps(limits: dict) -> int:
    """Optimizer steps Lightning runs with these limits (one epoch at most)."""
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = pl.Trainer(
            max_epochs=1,
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            accelerator="cpu",
            **limits,
        )
        trainer.fit(Toy())
    return trainer.global_step


# Limits whose step count does not depend on the data's size (a share such as 0.1 of 4
# batches is Lightning's own error, a fit too slow for a second-long max_time the runtime
# check's, below).
LIMITS = st.fixed_dictionaries(
    {},
    optional={
        "max_steps": st.sampled_from([-1, 0, 1, 3]),
        "limit_train_batches": st.sampled_from([0, 0.0, 1, 2, 0.5, 1.0]),
        "max_time": st.sampled_from(
            ["00:00:00:00", "00:01:00:00", {"seconds": 0}, {"hours": 1}, {"minutes": 0}]
        ),
    },
)


@settings(max_examples=30)
@given(limits=LIMITS)
def test_the_config_check_refuses_exactly_the_limits_that_train_nothing(limits):
    cfg = OmegaConf.create({"trainer": dict(limits)})
    try:
        check_ranges(cfg)
        refused = None
    except ConfigError as err:
        refused = str(err)
    steps = lightning_steps(limits)
    if steps == 0:
        assert refused is not None, f"{limits}: accepted, and Lightning runs no step"
        key = refused.split("=", 1)[0]
        assert key.startswith("trainer.") and key.removeprefix("trainer.") in limits, refused
        assert "trains nothing" in refused and "\n" not in refused
    else:
        assert refused is None, f"{limits}: refused ({refused}), yet Lightning runs {steps}"


@pytest.mark.parametrize(
    "override",
    ["+trainer.max_steps=0", "+trainer.limit_train_batches=0", "+trainer.max_time=00:00:00:00"],
)
def test_the_harness_cases_stop_before_the_model_loads(compose_cfg, override, monkeypatch):
    """C3-01..04 and C3-07/08 of the round: one sentence naming the key, no model loaded."""
    import tide_exp.runs.run as run_module

    monkeypatch.setattr(
        run_module, "load_configured", lambda *a, **k: pytest.fail("the model was loaded")
    )
    key = override.lstrip("+").split("=")[0]
    with pytest.raises(ConfigError, match=rf"^{key}=.*trains nothing"):
        run_module.run(compose_cfg(override))


def test_a_fit_that_ends_without_a_step_records_nothing_as_fine_tuned():
    """The runtime check in run.fit: whatever stopped training before its first step (a limit
    the config check cannot know, such as a max_time shorter than the first batch)."""
    from tide_exp.runs.run import fit

    module = Toy()
    trainer = pl.Trainer(
        max_steps=0, logger=False, enable_checkpointing=False, enable_progress_bar=False
    )
    with pytest.raises(ConfigError, match=r"^training ran no optimizer step \(no training step"):
        fit(trainer, module, None, None, False)
