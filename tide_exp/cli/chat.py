"""``tide chat``: talk to a base model or a run's fine-tuned adapter in the terminal.

```
tide chat                                            # the default model (conf/config.yaml)
tide chat model=qwen2_5_0_5b eval.max_new_tokens=128  # any model config, Hydra overrides
tide chat --run outputs/2026-01-01/12-00-00_smollm2_135m
echo "I keep having nightmares." | tide chat --run RUN  # one reply per input line
```

Each message is formatted with the model config's chat template (system prompt and template
variables included) and answered with the project's generation code, with the run's evaluation
settings (``eval.max_new_tokens``, ``eval.generation_kwargs``; greedy by default). Messages are
answered one at a time, as the models were fine-tuned on single exchanges. Type ``/quit`` or
end the input (Ctrl-D) to stop.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hydra.utils import instantiate

from tide_exp.cli.session import load_model, model_config
from tide_exp.commands import cli_entry, command_parser
from tide_exp.generation.replies import generate_replies

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


def reply_to(model, tokenizer, chat, message: str, cfg, max_new_tokens: int | None) -> str:
    """One greedy (or configured) reply to ``message`` under the model's chat template."""
    return generate_replies(
        model,
        tokenizer,
        [chat.prompt(message)],
        batch_size=1,
        max_new_tokens=max_new_tokens or int(cfg.eval.max_new_tokens),
        generation_kwargs=dict(cfg.eval.get("generation_kwargs") or {}),
        strip_think=bool(cfg.model.get("strip_think", False)),
        progress=False,
    )[0]


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = model_config(args.run, args.overrides)
    model, tokenizer = load_model(cfg, args.run)
    chat = instantiate(cfg.model.chat, tokenizer=tokenizer)
    interactive = sys.stdin.isatty()
    if interactive:
        what = f"{cfg.model.display_name}" + (f" + adapter of {args.run}" if args.run else "")
        print(f"chatting with {what}; /quit or Ctrl-D to stop", file=sys.stderr)
    while True:
        if interactive:
            print("you> ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            break
        message = line.strip()
        if message in QUIT:
            break
        if not message:
            continue
        print(reply_to(model, tokenizer, chat, message, cfg, args.max_new_tokens), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
