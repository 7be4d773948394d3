"""Sampled replies depend on the run's seed and the phase, not on the global random state."""

from __future__ import annotations

import torch

from tests.generation_helpers import configured_generation
from tide_exp.data.chat import ChatFormatter
from tide_exp.generation.seeding import phase_seed

SAMPLING = {"do_sample": True, "top_k": 0, "top_p": 1.0, "temperature": 1.0}


def test_a_seeded_phase_samples_the_same_replies_whatever_ran_before(tiny_model):
    model, tokenizer = tiny_model.model, tiny_model.tokenizer
    chat = ChatFormatter(tokenizer)
    prompts = [chat.prompt(t) for t in ("I can't sleep.", "My dad shouted again.")]
    settings = configured_generation(
        max_new_tokens=12, batch_size=2, generation_kwargs=SAMPLING
    ).for_chat(chat)
    seed = phase_seed(42, "ft", 2)

    def texts(**kw):
        return [r.text for r in settings.generate(model, tokenizer, prompts, progress=False, **kw)]

    torch.manual_seed(0)
    first = texts(seed=seed)
    torch.manual_seed(1)  # "training" left the global state elsewhere
    torch.rand(1000)
    state = torch.get_rng_state()
    assert texts(seed=seed) == first
    assert torch.equal(torch.get_rng_state(), state)  # training goes on from where it was
    # Unseeded, the replies follow the global state: what a resumed job used to get.
    torch.manual_seed(0)
    a = texts()
    torch.manual_seed(1)
    assert texts() != a
    assert phase_seed(42, "ft", 2) != phase_seed(42, "val", 2) != phase_seed(43, "ft", 2)
    assert phase_seed(42, "ft", 2) == 1545421298  # the same in every process (no salted hash)
