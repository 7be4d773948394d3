"""The Hydra config around a run: where the shipped configs are and composing them
(:mod:`~tide_exp.config.compose`), the ``${tide_*:...}`` resolvers conf/ uses
(:mod:`~tide_exp.config.resolvers`), the settings a run records
(:mod:`~tide_exp.config.settings`), the checks of a composed config before anything loads
(:mod:`~tide_exp.config.validation`, with each ``_target_`` node against its signature in
:mod:`~tide_exp.config.signatures`), and Hydra's and OmegaConf's private names behind small
adapters (:mod:`~tide_exp.config.compat`).
"""
