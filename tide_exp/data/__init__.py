"""Dialogue data: corpus loaders, splits, chat-template formatting and the Lightning DataModule."""

from tide_exp.data.examples import DialogueExample
from tide_exp.data.tide_folder import load_tide_folder

__all__ = ["DialogueExample", "load_tide_folder"]
