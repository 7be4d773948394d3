"""One run's lifecycle: the run folder and its files (:mod:`~tide_exp.runs.folder`), the schema
of ``results.json`` (:mod:`~tide_exp.runs.results`), ``run(cfg)`` (:mod:`~tide_exp.runs.run`),
the Hydra job around it (:mod:`~tide_exp.runs.job`: lock, re-run checks, status, one-line
errors) and a fresh start's retiring of the previous run (:mod:`~tide_exp.runs.retire`), what a
finished run prints (:mod:`~tide_exp.runs.summary`) and puts on W&B
(:mod:`~tide_exp.runs.dashboard`).

The folder and the results schema sit at the bottom of the stack (data and callbacks write
through them); the rest sits above the Lightning pieces. Importing this package loads nothing.
"""
