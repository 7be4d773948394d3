"""Loading causal LMs and their tokenizers: embedded GGUF, local folders and the Hugging Face hub."""

from tide_exp.models.loading import LoadedModel, load_gguf_from_package, load_pretrained

__all__ = ["LoadedModel", "load_gguf_from_package", "load_pretrained"]
