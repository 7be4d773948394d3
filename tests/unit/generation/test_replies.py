from tide_exp.data.chat import ChatFormatter
from tide_exp.generation import generate_replies, strip_reasoning


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
