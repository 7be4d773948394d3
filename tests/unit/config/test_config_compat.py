"""Each Hydra and OmegaConf private name tide_exp uses still exists and still means what we rely on.

An upgrade that moves one fails here, naming it, rather than in the middle of a run
(tide_exp/config/compat.py holds the adapters; Lightning's are tested beside tide_exp.tracking).
"""

from __future__ import annotations

from omegaconf import OmegaConf

from tide_exp.config import compat


def test_hydra_parser_splits_flags_from_overrides():
    args, _ = compat.hydra_args_parser().parse_known_args(["-m", "lora.r=4,8", "--cfg", "job"])
    assert args.multirun and args.overrides == ["lora.r=4,8"] and args.cfg == "job"


def test_omegaconf_raw_node_and_value_leave_interpolations_unresolved():
    cfg = OmegaConf.create({"eval": {"n": 4}, "cb": {"n": "${eval.n}", "sub": {"_target_": "x"}}})
    assert compat.raw_value(cfg.cb, "n") == "${eval.n}"
    assert OmegaConf.is_config(compat.raw_node(cfg.cb, "sub"))
