"""Shared fixtures: a fake sweep of the study's eight models, its survey, synthetic ratings."""

from __future__ import annotations

import pandas as pd
import pytest

from tide_exp.humaneval.build import build_survey

from . import fakes


@pytest.fixture(scope="session")
def sweep(tmp_path_factory):
    return fakes.write_sweep(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="session")
def survey_dir(sweep, tmp_path_factory):
    out = tmp_path_factory.mktemp("survey")
    build_survey([sweep], out)
    return out


@pytest.fixture(scope="session")
def key(survey_dir):
    return pd.read_csv(survey_dir / "key.csv", dtype={"example_id": str})


@pytest.fixture(scope="session")
def synthetic(key):
    """(wide ratings, gold) with the planted effects described in fakes.synthetic_ratings."""
    return fakes.synthetic_ratings(key)
