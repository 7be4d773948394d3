"""Tracking a run: the CSV and W&B loggers and the one place a row is logged
(:mod:`~tide_exp.tracking.loggers`), an offline W&B run read back as the server would receive it
(:mod:`~tide_exp.tracking.wandb_offline`), third-party console noise silenced
(:mod:`~tide_exp.tracking.console`), and Lightning's private names behind small adapters
(:mod:`~tide_exp.tracking.compat`).
"""
