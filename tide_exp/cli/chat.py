"""``tide chat``: talk to a base model or a run's fine-tuned adapter in the terminal.

```
tide chat                                            # the default model (conf/config.yaml)
tide chat model=qwen2_5_0_5b eval.max_new_tokens=128  # any model config, Hydra overrides
tide chat --run outputs/2026-01-01/12-00-00_smollm2_135m
echo "I keep having nightmares." | tide chat --run RUN  # one reply per input line
```

Each message is formatted with the model config's chat template (system prompt and template
variables included) and answered with the project's generation code and the run's evaluation
settings (``eval.max_new_tokens``, ``eval.generation_kwargs``, ``eval.engine``...; greedy by
default), as evaluation generates them: in ``model.chat.reasoning=think`` the reasoning budget
comes on top and the reasoning is stripped. Messages are
answered one at a time, as the models were fine-tuned on single exchanges. Type ``/quit`` or
end the input (Ctrl-D) to stop.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from hydra.utils import instantiate

from tide_exp.cli.session import load_model, model_config
from tide_exp.commands import cli_entry, command_parser
from tide_exp.generation import GenerationSettings, evaluation_model

QUIT = {"/quit", "/exit"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = command_parser("chat", __doc__.split("\n\n")[0], prog="tide chat")
    parser.add_argument(
        "--run", type=Path, default=None, help="a run folder: chat with its adapter"
    )
    parser.add_argument(
        "--max-new-tokens", type=int, default=None, help="reply length cap (default: eval's)"
    )
    parser.add_argument(
        "overrides", nargs="*", help="Hydra overrides (model=..., eval.generation_kwargs=...)"
    )
    return parser.parse_args(argv)


def reply_to(model, tokenizer, chat, message: str, settings: GenerationSettings) -> str:
    """One greedy (or configured) reply to ``message`` under the model's chat template."""
    return settings.generate(model, tokenizer, [chat.prompt(message)], progress=False)[0].text


def converse(model, tokenizer, chat, settings: GenerationSettings, interactive: bool) -> None:
    """Answer each line of stdin until ``/quit`` or the end of the input."""
    while True:
        if interactive:
            print("you> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            return
        message = line.strip()
        if message in QUIT:
            return
        if message:
            print(reply_to(model, tokenizer, chat, message, settings), flush=True)


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = model_config(args.run, args.overrides)
    model, tokenizer = load_model(cfg, args.run)
    chat = instantiate(cfg.model.chat, tokenizer=tokenizer)
    settings = GenerationSettings.from_config(
        cfg, chat, max_new_tokens=args.max_new_tokens, batch_size=1
    )
    interactive = sys.stdin.isatty()
    if interactive:
        what = f"{cfg.model.display_name}" + (f" + adapter of {args.run}" if args.run else "")
        print(f"chatting with {what}; /quit or Ctrl-D to stop", file=sys.stderr)
    # The merged copy (eval.merge) is made once for the session, not once per message.
    with evaluation_model(model, settings.merge) as decoder:
        converse(decoder, tokenizer, chat, dataclasses.replace(settings, merge=False), interactive)
    return 0


if __name__ == "__main__":
    sys.exit(main())
