"""RunFolder reads back what it writes; iter_runs finds runs and sweep jobs in job order."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tide_exp.config.settings import IGNORED_KEYS, config_differences
from tide_exp.errors import FileError
from tide_exp.files.writers import write_json
from tide_exp.runs.finding import iter_runs
from tide_exp.runs.folder import RunFolder
from tide_exp.runs.names import GENERATIONS, STATUS

CONFIG_DIR = Path(__file__).parents[3] / "conf"


def _run(path, status="ok", final=None):
    folder = RunFolder(path)
    folder.write_status({"model": path.name, "overrides": [], "status": status, "error": None})
    # A partial results.json (readers must take earlier versions'): written as a plain file,
    # since write_results checks a run's whole schema.
    write_json(folder.results_path, {"status": status, "final": final or {"zs/gen/rouge_l": 0.5}})
    return folder


def test_results_and_status_round_trip(tmp_path):
    folder = RunFolder(tmp_path / "run")
    assert folder.read_results() is None and folder.read_status() is None
    results = {"status": "ok", "final": {"ft/gen/cosine": 0.25, "val/loss": math.nan}}
    write_json(folder.results_path, results)  # partial: write_results wants the whole schema
    folder.write_status({"model": "tiny", "overrides": ["a=1"], "status": "ok", "error": None})
    assert folder.read_results() == {
        "status": "ok",
        "final": {"ft/gen/cosine": 0.25, "val/loss": None},
    }
    assert folder.read_status()["overrides"] == ["a=1"]
    assert folder.completed_results()["final"]["ft/gen/cosine"] == 0.25


def test_failed_status_is_not_complete(tmp_path):
    assert _run(tmp_path / "r", status="failed").completed_results() is None


def test_generations_round_trip_and_bad_line(tmp_path):
    folder = RunFolder(tmp_path)
    rows = [{"phase": "zs", "example_id": "1", "prediction": "hi", "scores": {"x": math.nan}}]
    folder.write_generations(rows)
    assert folder.read_generations() == [{**rows[0], "scores": {"x": None}}]
    folder.generations_path.write_text(folder.generations_path.read_text() + "{oops\n")
    with pytest.raises(FileError, match=rf"{GENERATIONS}:2: malformed JSON"):
        folder.read_generations()


def test_paths_follow_the_contract(tmp_path):
    folder = RunFolder(tmp_path)
    assert folder.last_checkpoint == tmp_path / "checkpoints" / "last.ckpt"
    assert folder.config_path == tmp_path / ".hydra" / "config.yaml"
    assert folder.adapter_dir == tmp_path / "adapter" and folder.log_path.name == "tide_exp.log"
    assert (
        RunFolder(tmp_path, checkpoint_dir=tmp_path / "c").last_checkpoint.parent == tmp_path / "c"
    )
    assert folder.resume_checkpoint() is None
    folder.last_checkpoint.parent.mkdir()
    folder.last_checkpoint.write_bytes(b"x")
    assert folder.resume_checkpoint() == folder.last_checkpoint


def test_checkpoint_dir_config_agrees_with_run_folder():
    from omegaconf import OmegaConf

    from tide_exp.config.resolvers import register_resolvers

    register_resolvers()  # conf/paths reads the folder's name through ${tide_run_file:...}
    paths = OmegaConf.load(CONFIG_DIR / "paths" / "default.yaml")
    callback = OmegaConf.load(CONFIG_DIR / "callbacks" / "model_checkpoint.yaml")
    cfg = OmegaConf.merge({"paths": paths}, {"paths": {"output_dir": "/o"}}, callback)
    assert cfg.model_checkpoint.dirpath == cfg.paths.checkpoint_dir
    assert f"{cfg.model_checkpoint.filename}.ckpt" == RunFolder("/o").last_checkpoint.name
    assert RunFolder("/o").last_checkpoint.parent == RunFolder("/o").path / "checkpoints"
    assert cfg.paths.checkpoint_dir == str(RunFolder("/o").checkpoint_dir)


def test_bad_results_file_is_named(tmp_path):
    (tmp_path / "results.json").write_text("{")
    with pytest.raises(FileError, match="results.json:1:2: invalid JSON"):
        RunFolder(tmp_path).read_results()


def test_iter_runs_orders_sweep_jobs_by_number(tmp_path):
    sweep = tmp_path / "multirun" / "12-00-00"
    for name in ["10_c", "1_a", "2_b"]:
        _run(sweep / name)
    (sweep / "2_b" / "nested").mkdir()  # not a run: no results.json
    assert [r.name for r in iter_runs([sweep])] == ["1_a", "2_b", "10_c"]
    assert [r.name for r in iter_runs([tmp_path])] == ["1_a", "2_b", "10_c"]


def test_iter_runs_single_run_marker_file_duplicates_and_missing(tmp_path):
    single = _run(tmp_path / "run")
    assert [r.path for r in iter_runs([single.path])] == [single.path]
    assert [r.path for r in iter_runs([single.results_path, single.path])] == [single.path]
    assert list(iter_runs([tmp_path / "nope"])) == []
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / STATUS).write_text(json.dumps({"status": "failed"}))
    assert [r.name for r in iter_runs([tmp_path], marker=STATUS)] == ["job", "run"]
    assert [r.name for r in iter_runs([tmp_path])] == ["run"]


# --- re-runs: settings compared key by key ---------------------------------------------------

_leaf = st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=5), st.none())
_configs = st.recursive(
    _leaf, lambda c: st.dictionaries(st.text("abcxyz", min_size=1, max_size=3), c, max_size=4)
)


@given(st.dictionaries(st.text("abcxyz", min_size=1, max_size=3), _configs, min_size=1), st.data())
def test_every_changed_leaf_is_named_and_ignored_keys_never(config, data):
    assert config_differences(config, config) == []
    path, node = [], config
    while isinstance(node, dict) and node:
        key = data.draw(st.sampled_from(sorted(node)))
        path.append(key)
        node = node[key]
    changed = json.loads(json.dumps(config))
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = ["a new value"]
    assert config_differences(config, changed) == [".".join(path)]
    moved = {**config, **{k: "other" for k in IGNORED_KEYS}}
    assert config_differences(config, moved) == []


def test_the_csv_logger_writes_where_the_run_folder_contract_says():
    from omegaconf import OmegaConf
    from omegaconf.errors import InterpolationResolutionError

    from tide_exp.config.resolvers import register_resolvers
    from tide_exp.runs.names import CSV_DIR, METRICS_CSV

    register_resolvers()
    conf = Path(__file__).resolve().parents[3] / "conf" / "logger" / "csv.yaml"
    assert OmegaConf.load(conf).csv.name == CSV_DIR  # read through ${tide_run_file:CSV_DIR}
    with pytest.raises(
        InterpolationResolutionError, match=r"no run file; use one of RESULTS, STATUS"
    ):
        _ = OmegaConf.create({"x": "${tide_run_file:NOPE}"}).x
    assert f"{CSV_DIR}/metrics.csv" == METRICS_CSV  # Lightning's file name in that folder


def test_write_results_refuses_a_file_its_readers_could_not_rely_on(tmp_path):
    folder = RunFolder(tmp_path)
    with pytest.raises(ValueError, match=r"does not match .*results\.model is missing"):
        folder.write_results({"status": "ok", "final": {}})
    assert not folder.results_path.exists()  # checked before anything is written
