"""``tide chat``: talk to a base model or a run's fine-tuned adapter in the terminal.

```
tide chat                                            # the default model (conf/config.yaml)
tide chat model=qwen2_5_0_5b eval.generation.max_new_tokens=128  # any model config, Hydra overrides
tide chat --run outputs/2026-01-01/12-00-00_smollm2_135m
echo "I keep having nightmares." | tide chat --run RUN  # one reply per input line
```

Each message is formatted with the model config's chat template (system prompt and template
variables included) and answered with the project's generation code and the run's evaluation
settings (``eval.generation``: its ``generation_kwargs``, ``engine``...; greedy by default), as evaluation
generates them: in ``model.chat.reasoning=think`` the reasoning budget comes on top and the
reasoning is stripped. The reply cap is chat's own, larger than evaluation's (a conversation
should not stop mid-sentence): ``--max-new-tokens``, by default 256 or ``eval.generation.max_new_tokens``
if that is larger; a reply that reaches it is followed by a note on stderr, and a reply that
loops (:func:`tide_exp.metrics.repetition.is_looping`) by a note saying so, since a longer cap
would only repeat more. Messages are
answered one at a time, as the models were fine-tuned on single exchanges. Type ``/quit`` or
end the input (Ctrl-D) to stop.

Piped, it keeps one reply line per input line, so line N of the output answers line N of the
input: a blank input line gets a blank reply line, a reply's own line breaks are written as
``\\n``, and a message too long for the model's context (with the reply cap) gets a blank line
and an ``error:`` line on stderr (exit status 2 at the end). Input must be UTF-8 text: a line
that is not stops with one ``error:`` line naming it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from tide_exp.cli.conventions import at_least, cli_entry, command_parser
from tide_exp.cli.registry import Command
from tide_exp.cli.session import model_config
from tide_exp.errors import EXIT_USER_ERROR, DataError
from tide_exp.generation import ChatGenerationSettings, GenerationSettings, Reply, evaluation_model
from tide_exp.models.adapter import adapter_dir
from tide_exp.models.configured import load_configured

COMMAND = Command(
    name="chat",
    summary="talk to a base model or a run's adapter in the terminal",
    example="tide chat --run outputs/2026-01-01/12-00-00_smollm2_135m",
    order=10,
)

QUIT = {"/quit", "/exit"}
# Chat's reply cap when --max-new-tokens is not given (eval.generation.max_new_tokens if larger):
# a reader expects whole replies; evaluation's cap is sized for the run's time budget.
CHAT_MAX_NEW_TOKENS = 256


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``tide chat``."""
    parser = command_parser("chat", __doc__.split("\n\n")[0], prog="tide chat")
    parser.add_argument(
        "--run", type=Path, default=None, help="a run folder: chat with its adapter"
    )
    parser.add_argument(
        "--max-new-tokens",
        type=at_least(1),
        default=None,
        help=f"reply length cap (default: {CHAT_MAX_NEW_TOKENS}, or eval.generation.max_new_tokens if larger)",
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        help="Hydra overrides (model=..., eval.generation.generation_kwargs=...)",
    )
    return parser


def chat_cap(configured: GenerationSettings, requested: int | None) -> int:
    """The reply cap of a chat: ``requested``, else the larger of chat's default and eval's."""
    if requested is not None:
        return requested
    return max(CHAT_MAX_NEW_TOKENS, int(configured.max_new_tokens))


def reply_to(model, tokenizer, chat, message: str, settings: ChatGenerationSettings) -> Reply:
    """One greedy (or configured) reply to ``message`` under the model's chat template."""
    return settings.generate(model, tokenizer, [chat.prompt(message)], progress=False)[0]


def converse(
    model, tokenizer, chat, settings: ChatGenerationSettings, interactive: bool, stdin=None
) -> int:
    """Answer each line of ``stdin`` (bytes; default the standard input) until ``/quit`` or the
    end of the input, one output line per input line.

    Returns:
        How many messages were too long to answer (each named on stderr).

    Raises:
        DataError: a line that is not UTF-8 text (its number and column).
    """
    stdin = stdin if stdin is not None else sys.stdin.buffer
    context = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    refused = 0
    for number, raw in enumerate(_lines(stdin, interactive), start=1):
        try:
            message = raw.decode("utf-8").strip()
        except UnicodeDecodeError as err:
            raise DataError(
                f"standard input line {number}: not UTF-8 text (byte {raw[err.start]:#04x} at "
                f"column {err.start + 1}); send UTF-8 text, one message per line"
            ) from None
        if message in QUIT:
            break
        if not message:
            if not interactive:
                print("", flush=True)  # keeps line N of the output answering line N of the input
            continue
        tokens = len(tokenizer(chat.prompt(message), add_special_tokens=False)["input_ids"])
        if context and tokens + settings.max_new_tokens > context:
            print(
                f"error: input line {number} is {tokens} tokens with the chat template; with the "
                f"reply cap ({settings.max_new_tokens}) that is over the model's context "
                f"({context}): not answered; shorten it",
                file=sys.stderr,
            )
            print("", flush=True)
            refused += 1
            continue
        reply = reply_to(model, tokenizer, chat, message, settings)
        print(reply.text if interactive else _one_line(reply.text), flush=True)
        if reply.looping:  # a longer cap would only repeat more: say what is wrong instead
            ended = (
                "" if reply.finished else f", and stopped at the cap of {settings.max_new_tokens}"
            )
            print(
                f"note: the reply to input line {number} loops: it repeats itself "
                f"({100 * reply.repetition:.0f}% repeated 4-grams{ended}); a longer cap only "
                "repeats more (docs/metrics.md, looping replies)",
                file=sys.stderr,
                flush=True,
            )
        elif not reply.finished:
            print(
                f"note: the reply to input line {number} stopped at the cap of "
                f"{settings.max_new_tokens} new tokens (--max-new-tokens for more)",
                file=sys.stderr,
                flush=True,
            )
    return refused


def _lines(stdin, interactive: bool):
    while True:
        if interactive:
            print("you> ", end="", file=sys.stderr, flush=True)
        raw = stdin.readline()
        if not raw:
            return
        yield raw


def _one_line(reply: str) -> str:
    """A reply on one output line: its own line breaks written as ``\\n``."""
    return reply.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cfg = model_config(args.run, args.overrides)
    loaded = load_configured(cfg, adapter_dir(args.run) if args.run else None)
    model, tokenizer, chat = loaded.model.eval(), loaded.tokenizer, loaded.chat
    configured = GenerationSettings.from_config(cfg)
    cap = chat_cap(configured, args.max_new_tokens)
    settings = configured.replace(max_new_tokens=cap, batch_size=1).for_chat(chat)
    interactive = sys.stdin.isatty()
    if interactive:
        what = f"{cfg.model.display_name}" + (f" + adapter of {args.run}" if args.run else "")
        print(f"chatting with {what}; /quit or Ctrl-D to stop", file=sys.stderr)
    # The merged copy (eval.generation.merge) is made once for the session, not once per message.
    with evaluation_model(model, settings.merge) as decoder:
        refused = converse(
            decoder, tokenizer, chat, dataclasses.replace(settings, merge=False), interactive
        )
    return EXIT_USER_ERROR if refused else 0


if __name__ == "__main__":
    sys.exit(main())
