"""One role and one owner per output folder (issue 31, class 1, and the round's run-folder cases).

Before: two sweeps into one ``hydra.sweep.dir`` both ran (the second overwrote multirun.yaml and
report/, and the first exited 1 for the other's running job); a new sweep into a finished
sweep's folder overwrote its record and counted its jobs; ``lora.r=8,4`` into a ``lora.r=4,8``
folder trained both again under new numbers; a run into a sweep's folder, into another run's
folder or into the data folder it reads went ahead (the last one a loss: the run's files became
data).
"""

from __future__ import annotations

import json
import os
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from omegaconf import OmegaConf, open_dict, read_write

from tide_exp.config.resolvers import _job_dir
from tide_exp.errors import ConfigError
from tide_exp.runs import job
from tide_exp.runs.names import HYDRA_OVERRIDES, MULTIRUN_RECORD, SAVED_CONFIG, STATUS
from tide_exp.runs.output_folders import (
    check_run_folder,
    claim_sweep_folder,
    sweep_identity,
)

TINY = ["model=tiny_llama", "data.batch_size=4"]


def a_run(folder):
    """A run folder as a job leaves it."""
    (folder / ".tide").mkdir(parents=True)
    (folder / SAVED_CONFIG).write_text("seed: 42\n")
    (folder / STATUS).write_text('{"status": "ok"}')
    return folder


def test_a_second_sweep_into_a_running_sweeps_folder_is_refused_naming_the_first(tmp_path):
    held = claim_sweep_folder(tmp_path / "sw", [*TINY, "lora.r=4"])
    try:
        with pytest.raises(ConfigError) as err:
            claim_sweep_folder(tmp_path / "sw", [*TINY, "lora.r=8"])
        assert str(err.value).startswith(f"hydra.sweep.dir={tmp_path / 'sw'} is in use by ")
        assert "lora.r=4" in str(err.value) and "still running" in str(err.value)
        with pytest.raises(ConfigError, match="is in use by another sweep"):  # the same sweep too
            claim_sweep_folder(tmp_path / "sw", [*TINY, "lora.r=4"])
    finally:
        os.close(held)
    os.close(claim_sweep_folder(tmp_path / "sw", [*TINY, "lora.r=4"]))  # ended: free again


def test_a_finished_sweeps_folder_takes_the_same_sweep_only(tmp_path):
    os.close(claim_sweep_folder(tmp_path / "sw", [*TINY, "lora.r=4,8"]))
    record = (tmp_path / "sw" / ".tide" / "sweep.json").read_text()
    os.close(claim_sweep_folder(tmp_path / "sw", ["lora.r=8,4", *TINY]))  # values reordered
    with pytest.raises(ConfigError) as err:
        claim_sweep_folder(tmp_path / "sw", [*TINY, "seed=7"])
    assert "holds another sweep (" in str(err.value) and "lora.r=4,8" in str(err.value)
    assert "this one: data.batch_size=4 model=tiny_llama seed=7" in str(err.value)
    assert (tmp_path / "sw" / ".tide" / "sweep.json").read_text() == record  # never rewritten


def test_a_sweep_from_before_the_record_is_known_by_its_multirun_yaml(tmp_path):
    sweep = tmp_path / "sw"
    sweep.mkdir()
    saved = {"hydra": {"overrides": {"task": [*TINY, "lora.r=4,8"], "hydra": []}}}
    (sweep / MULTIRUN_RECORD).write_text(OmegaConf.to_yaml(saved))
    with pytest.raises(ConfigError, match="holds another sweep"):
        claim_sweep_folder(sweep, [*TINY, "seed=7"])
    os.close(claim_sweep_folder(sweep, [*TINY, "lora.r=4,8"]))


SWEEP_VALUES = st.lists(st.integers(1, 64), min_size=1, max_size=4, unique=True)


@given(
    sweeps=st.dictionaries(st.sampled_from(["lora.r", "seed", "data.batch_size"]), SWEEP_VALUES),
    plain=st.lists(st.sampled_from(TINY + ["threads=1", "+trainer.max_steps=3"]), unique=True),
    order=st.randoms(use_true_random=False),
)
def test_a_sweeps_identity_is_its_keys_and_values_in_any_order(sweeps, plain, order):
    overrides = plain + [f"{k}={','.join(map(str, v))}" for k, v in sweeps.items()]
    shuffled = [
        f"{k}={','.join(map(str, order.sample(v, len(v))))}" for k, v in sweeps.items()
    ] + plain
    order.shuffle(shuffled)
    where = [f"hydra.sweep.dir=/x/{order.random()}", "hydra/launcher=ray_gpu"]
    assert sweep_identity(overrides) == sweep_identity(shuffled + where)
    for key, values in sweeps.items():  # one value more or less: another sweep
        other = [o for o in overrides if not o.startswith(f"{key}=")]
        grown = other + [f"{key}={','.join(map(str, [*values, 65]))}"]
        assert sweep_identity(grown) != sweep_identity(overrides)


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (
            lambda root: (root / "sw" / MULTIRUN_RECORD, "is a sweep's folder (multirun.yaml)"),
            "sweep",
        ),
        (
            lambda root: (a_run(root / "a") / "again", "is inside the folder of another run"),
            "inside a run",
        ),
        (
            lambda root: (a_run(root / "many" / "0_x").parent.parent / "many", "holds other runs"),
            "above runs",
        ),
    ],
    ids=["sweep", "inside a run", "above runs"],
)
def test_a_run_folder_with_another_role_is_refused(tmp_path, make, says):
    target, message = make(tmp_path)
    if target.name == MULTIRUN_RECORD:
        target.parent.mkdir(parents=True)
        target.write_text("hydra: {}\n")
        target = target.parent
    with pytest.raises(ConfigError, match=rf"^hydra\.run\.dir=.* {re.escape(message)}"):
        check_run_folder(target)
    check_run_folder(tmp_path / "fresh")  # a new folder is fine


def test_a_run_or_sweep_folder_that_is_or_lies_in_the_data_is_refused(tmp_path):
    data = tmp_path / "flatdir"
    data.mkdir()
    (data / "pairs.jsonl").write_text("{}\n")
    for folder in (data, data / "runs" / "a"):
        with pytest.raises(ConfigError, match=r"its files would become data"):
            check_run_folder(folder, [str(data)])
        with pytest.raises(ConfigError, match=r"its files would become data"):
            claim_sweep_folder(folder, TINY, [str(data)])
    check_run_folder(tmp_path / "run", [str(data / "pairs.jsonl")])  # beside the data: fine


def test_a_sweep_into_a_runs_folder_is_refused(tmp_path):
    run = a_run(tmp_path / "run")
    with pytest.raises(ConfigError, match=r"^hydra\.sweep\.dir=.* is the folder of a run"):
        claim_sweep_folder(run, TINY)
    with pytest.raises(ConfigError, match=r"^hydra\.sweep\.dir=.* is inside the folder of a run"):
        claim_sweep_folder(run / "sw", TINY)


def test_a_job_of_a_sweep_run_again_finds_its_folder_by_its_overrides(tmp_path):
    """lora.r=8,4 into a lora.r=4,8 folder: job 0 is now lora.r=8, whose folder is 1_..."""
    long = [*TINY, *(f"+x{i}=a_long_value_{i}" for i in range(8))]  # a name that ends in a hash
    for num, r in enumerate((4, 8)):
        task = [*long, f"lora.r={r}"]
        name = _job_dir(num, "tiny_llama", ",".join(task), tmp_path, task)
        (tmp_path / name / ".hydra").mkdir(parents=True)
        (tmp_path / name / HYDRA_OVERRIDES).write_text(OmegaConf.to_yaml(task))
    before = sorted(p.name for p in tmp_path.iterdir())
    again = [
        _job_dir(
            num, "tiny_llama", ",".join([*long, f"lora.r={r}"]), tmp_path, [*long, f"lora.r={r}"]
        )
        for num, r in enumerate((8, 4))
    ]
    assert sorted(again) == before and again[0].startswith("1_")
    assert _job_dir(0, "tiny_llama", "lora.r=16", tmp_path, [*TINY, "lora.r=16"]).startswith("0_")


def test_the_hydra_callback_holds_the_sweep_folder_and_refuses_a_second_sweep(
    compose_cfg, tmp_path, capsys
):
    """The wiring: OutputFolderCheck (conf/hydra/default.yaml) claims the sweep's folder."""
    cfg = compose_cfg("lora.r=4", keep_hydra=True)
    with open_dict(cfg), read_write(cfg.hydra):
        cfg.hydra.sweep.dir = str(tmp_path / "sw")
        cfg.hydra.overrides.task = ["lora.r=4"]
    first = job.OutputFolderCheck()
    first.on_multirun_start(cfg)
    with open_dict(cfg), read_write(cfg.hydra):
        cfg.hydra.overrides.task = ["lora.r=8"]
    with pytest.raises(SystemExit) as stopped:
        job.OutputFolderCheck().on_multirun_start(cfg)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: hydra.sweep.dir=") and "lora.r=4" in err and err.count("\n") == 1
    os.close(first.sweep_lock)
    record = json.loads((tmp_path / "sw" / ".tide" / "sweep.json").read_text())
    assert "lora.r=4" in record["overrides"] and "lora.r=8" not in record["overrides"]
