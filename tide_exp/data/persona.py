"""Persona context: a prompt template filled from the persona metadata that travels with each example.

Study A says its models were "prompted with ``user_input``", but the study's own survey replies
cite persona facts the client message does not contain ("you're strong at 62", "your sponsor
from your recovery group"), so persona metadata most likely reached the prompt; which fields and
wording is unknown (see docs/data.md). The template is plain text with ``{field}`` placeholders
naming metadata keys, rendered line by line:

- a line whose placeholders all have a value is kept, the values filled in (lists are joined
  with ", "); a line with a missing, ``None`` or empty field is dropped, so a prompt never says
  "None" and a missing field never fails a run;
- lines without placeholders (a heading) are kept only when some placeholder line survived:
  a persona with no known field gets no persona context at all.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping, Sequence
from typing import Any

from tide_exp.errors import ConfigError

log = logging.getLogger(__name__)


def template_fields(template: str) -> list[str]:
    """The metadata keys a template names, in order.

    Raises:
        ConfigError: The template is not valid ``str.format`` text, or a placeholder is not a
            plain key (attribute access, indexing, conversions and format specs are refused).
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as err:
        raise ConfigError(
            f"model.chat.persona_template is not a valid template ({err}); "
            "write fields as {age}, and a literal brace as {{ or }}."
        ) from None
    fields = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ConfigError(
                f"model.chat.persona_template: placeholder {{{name}{'!' + conversion if conversion else ''}"
                f"{':' + spec if spec else ''}}} is not a plain metadata key; write it as {{age}}."
            )
        fields.append(name)
    return fields


_MISSING = {"none", "null", "nan", "n/a"}  # how exports spell an absent value


def _value(value: Any) -> str:
    """The text a metadata value stands for in a prompt ('' when it says nothing)."""
    if value is None or isinstance(value, bool):
        return ""  # flags such as "synthetic": true are not persona facts
    if isinstance(value, list | tuple):
        return ", ".join(v for v in (_value(item) for item in value) if v)
    if isinstance(value, Mapping):
        return ""
    text = " ".join(str(value).split())  # one line: a value never adds or breaks template lines
    return "" if text.lower() in _MISSING else text


def render_persona(template: str | None, metadata: Mapping[str, Any] | None) -> str:
    """Fill ``template`` from ``metadata``; lines with a missing field are dropped ('' if none is left).

    Args:
        template: Template text with ``{field}`` placeholders; ``None`` or '' renders nothing.
        metadata: The example's persona metadata (any mapping; missing keys are fine).
    """
    if not template:
        return ""
    values = {key: _value(val) for key, val in (metadata or {}).items() if isinstance(key, str)}
    kept, filled = [], False
    for line in template.splitlines():
        names = template_fields(line)
        if not names:
            kept.append(line.replace("{{", "{").replace("}}", "}"))
        elif all(values.get(name) for name in names):
            kept.append(line.format_map(values))
            filled = True
    return "\n".join(kept).strip() if filled else ""


def persona_coverage(
    template: str | None, metadatas: list[Mapping[str, Any] | None]
) -> dict[str, Any]:
    """How the template's fields meet the data: prompts left without persona context, per field.

    Returns:
        ``{"prompts": n, "without_persona": k, "fields_missing": {field: examples lacking it},
        "data_fields": sorted keys seen in the metadata}``; empty without a template.
    """
    if not template:
        return {}
    fields = template_fields(template)
    missing = dict.fromkeys(fields, 0)
    seen: set[str] = set()
    without = 0
    for metadata in metadatas:
        values = {k: _value(v) for k, v in (metadata or {}).items() if isinstance(k, str)}
        seen.update(k for k, v in values.items() if v)
        for name in fields:
            missing[name] += not values.get(name)
        without += not render_persona(template, metadata)
    return {
        "prompts": len(metadatas),
        "without_persona": without,
        "fields_missing": {k: v for k, v in missing.items() if v},
        "data_fields": sorted(seen),
    }


def describe_coverage(coverage: Mapping[str, Any]) -> str | None:
    """One warning line when some prompt lacks a persona line or some field is missing; else ``None``."""
    if not coverage or not (coverage["without_persona"] or coverage["fields_missing"]):
        return None
    n = coverage["prompts"]
    lacking = ", ".join(f"{{{k}}} in {v}" for k, v in coverage["fields_missing"].items())
    return (
        f"model.chat.persona_template: {coverage['without_persona']} of {n} prompts got no "
        f"persona context; fields missing: {lacking} of {n} examples; the data's metadata has "
        f"{', '.join(coverage['data_fields']) or 'no fields'}; rename the template's "
        "{field}s to these keys (docs/data.md, Persona context)."
    )


def report_persona_coverage(chat: Any, examples: Sequence[Any]) -> int | None:
    """Warn once when ``chat.persona_template``'s fields miss the examples' metadata.

    Conversations (earlier turns or their own system turn) never get persona context and count
    as prompts without it.

    Returns:
        The prompts left without persona context; ``None`` without a template.
    """
    template = getattr(chat, "persona_template", None)
    if not template:
        return None
    bare = [None if e.history or e.system_prompt else e.metadata for e in examples]
    coverage = persona_coverage(template, bare)
    warning = describe_coverage(coverage)
    if warning:
        log.warning("%s", warning)
    return coverage["without_persona"]
