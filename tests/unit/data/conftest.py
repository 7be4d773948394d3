"""Fixtures of the data tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def tiny_chat(tiny_model):
    from tide_exp.data.chat import ChatFormatter

    return ChatFormatter(tiny_model.tokenizer)
