"""tide_exp: fine-tune and evaluate small language models as trauma-informed dialogue partners."""

__version__ = "0.1.0"
