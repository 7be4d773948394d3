from tests.generation_helpers import generate_replies
from tide_exp.data.chat import ChatFormatter
from tide_exp.generation import strip_reasoning


def test_batched_left_padded_generation_equals_one_by_one(tiny_model):
    model, tok = tiny_model.model, tiny_model.tokenizer
    chat = ChatFormatter(tok)
    prompts = [
        chat.prompt(t)
        for t in ["I can't sleep.", "My brother died last year and I am still angry at everyone."]
    ]
    # A random model likes whitespace and special tokens; ban them so the replies have text to compare.
    blank = [i for i in tok.get_vocab().values() if not tok.decode([i]).strip()]
    kwargs = {
        "max_new_tokens": 6,
        "generation_kwargs": {"suppress_tokens": blank},
        "progress": False,
    }
    model.train()
    batched = generate_replies(model, tok, prompts, batch_size=2, **kwargs)
    single = [generate_replies(model, tok, [p], batch_size=1, **kwargs)[0] for p in prompts]
    assert batched == single
    assert all(reply for reply in batched)
    assert not any("assistant" in reply or "sleep" in reply for reply in batched)  # prompt stripped
    assert model.training and tok.padding_side == "right"  # state restored


def test_strip_reasoning():
    assert (
        strip_reasoning("Okay, the user is sad.\n</think>\n\nI'm here for you.")
        == "I'm here for you."
    )
    assert strip_reasoning("No reasoning block.") == "No reasoning block."


class _ForceEnd:
    """Logits processor: the end-of-turn token wins at the given step (``None``: never allowed)."""

    def __init__(self, eos: int, at: int | None, prompt_len: int) -> None:
        self.eos, self.at, self.prompt_len = eos, at, prompt_len

    def __call__(self, input_ids, scores):
        step = input_ids.shape[1] - self.prompt_len
        if self.at is None:
            scores[:, self.eos] = -float("inf")
        elif step >= self.at:
            scores[:, self.eos] = float("inf")
        return scores


def test_outputs_say_which_replies_were_cut(tiny_model):
    from transformers import LogitsProcessorList

    from tide_exp.generation import generate_reply_records, reply_endings

    model, tok = tiny_model.model, tiny_model.tokenizer
    prompt = ChatFormatter(tok).prompt("I can't sleep.")
    width = len(tok(prompt, add_special_tokens=False)["input_ids"])
    eos = tok.eos_token_id

    def run(at):
        processors = LogitsProcessorList([_ForceEnd(eos, at, width)])
        return generate_reply_records(
            model,
            tok,
            [prompt],
            max_new_tokens=5,
            generation_kwargs={"logits_processor": processors},
            progress=False,
        )[0]

    ended, cut = run(2), run(None)
    assert ended.finished and not cut.finished
    assert not ended.open_reasoning and not cut.open_reasoning
    endings = reply_endings([ended, cut, cut])
    assert endings["cut"] == 2 and endings["cut_rate"] == 2 / 3 and endings["open_reasoning"] == 0


def test_open_reasoning_is_detected_and_never_scored_as_a_reply():
    from tide_exp.generation import has_open_reasoning

    assert has_open_reasoning("<｜Assistant｜><think>\n", "The user seems sad, so I")
    assert not has_open_reasoning("<｜Assistant｜><think>\n", "Hmm.\n</think>\n\nI'm here.")
    assert not has_open_reasoning("<｜Assistant｜><think>\n\n</think>\n\n", "I'm here.")
    assert has_open_reasoning("<|im_start|>assistant\n", "<think>\nLet me think")
    assert not has_open_reasoning("<|im_start|>assistant\n", "I'm here.")
