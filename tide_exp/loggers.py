"""Lightning loggers with tide_exp's defaults."""

from __future__ import annotations

from typing import Any

from pytorch_lightning.loggers import WandbLogger


class QuietWandbLogger(WandbLogger):
    """Lightning's ``WandbLogger`` without W&B's per-run "anonymous setting" warning.

    Lightning always passes ``anonymous=None`` to ``wandb.init``, and current W&B warns that
    the setting has no effect whenever the key is present. The key is dropped when unset;
    everything else is Lightning's logger unchanged (same arguments).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self._wandb_init.get("anonymous") is None:
            self._wandb_init.pop("anonymous", None)
