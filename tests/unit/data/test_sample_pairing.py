"""The embedded sample's references answer their own messages (issue 23.4).

Read back from the shipped files, not from the generator's return values: each dialogue's
message is matched to the scenario template it was written from, and its reference must be
built only from that scenario's reply parts and name what the message names (the anchor).
"""

import random
import re

import pytest

from tide_exp.data.sample_corpus import (
    HEALTHY_COPING,
    SCENARIOS,
    SUBSTANCES,
    Scenario,
    coping_line,
    fill_slots,
)
from tide_exp.data.tide_folder import load_tide_folder

SLOT = re.compile(r"\{(\w+)\}")


def template_pattern(template: str) -> re.Pattern:
    """A regex matching ``template`` with any value in each slot (slot names become groups)."""
    parts, seen, last = [], set(), 0
    for match in SLOT.finditer(template):
        parts.append(re.escape(template[last : match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts) + r"\Z", re.IGNORECASE)


def fill(template: str, slots: dict[str, str]) -> str:
    """``template`` with the slots read back from a message; slots it lacks stay a wildcard."""
    return SLOT.sub(lambda m: slots.get(m.group(1), "\0"), template)


def scenario_of(theme: str, message: str) -> tuple[Scenario, dict[str, str]]:
    """The one scenario of ``theme`` whose message template reads ``message``, with its slots."""
    found = [
        (scenario, m.groupdict())
        for scenario in SCENARIOS[theme]
        if (m := template_pattern(scenario.message).match(message))
    ]
    assert len(found) == 1, f"{message!r} matches {len(found)} {theme} templates"
    scenario, read = found[0]
    slots = {k: v.lower() for k, v in read.items()}
    # the reply's forms of what the message names: "a siren" for "A siren", "pills" for "taking pills"
    if "trigger" in slots:
        slots["trigger_lower"] = slots["trigger"]
    substance = slots.get("substance") or slots.get("substance_cap")
    if substance:
        slots["substance"] = substance
        slots["substance_noun"] = dict(SUBSTANCES)[substance]
    return scenario, slots


def reply_is_written_for(scenario: Scenario, slots: dict[str, str], reply: str) -> bool:
    """``reply`` = one of ``scenario``'s validations, its reflection, an optional coping line
    and one of its invitations, with the message's slot values (checked part by part)."""
    reply = reply.lower()
    if not any(reply.startswith(_opening(v, slots)) for v in scenario.validations):
        return False
    if not any(re.search(_pattern(" " + i, slots) + r"\Z", reply) for i in scenario.invitations):
        return False
    return _opening(scenario.reflection, slots) in reply


def _opening(template: str, slots: dict[str, str]) -> str:
    """``template`` under the message's slots, up to the first slot the message lacks."""
    return fill(template, slots).split("\0")[0].lower()


def _pattern(template: str, slots: dict[str, str]) -> str:
    """A regex of ``template`` under the message's slots (a slot it lacks: any text)."""
    return ".+?".join(re.escape(piece.lower()) for piece in fill(template, slots).split("\0"))


def check_pair(theme: str, message: str, reply: str) -> list[str]:
    """What is wrong with a (message, reference) pair of the sample; empty when it answers."""
    scenario, slots = scenario_of(theme, message)
    problems = []
    if not reply_is_written_for(scenario, slots, reply):
        problems.append("reply is not built from its message's scenario")
    anchor = fill(scenario.anchor, slots).lower()
    if anchor not in reply.lower():
        problems.append(f"reply does not name {anchor!r}, which the message names")
    return problems


def test_every_shipped_reference_answers_its_own_message():
    examples = load_tide_folder()
    wrong = {
        e.example_id: problems
        for e in examples
        if (problems := check_pair(e.theme, e.user_input, e.reference_response))
    }
    assert not wrong, list(wrong.items())[:5]
    # every scenario is used, so the check above covered each one's pairing
    used = {scenario_of(e.theme, e.user_input)[0].message for e in examples}
    assert used == {s.message for group in SCENARIOS.values() for s in group}


def test_the_pairing_check_catches_a_reference_of_another_message():
    examples = load_tide_folder()
    crowds = next(e for e in examples if e.user_input.startswith("I can't stand crowds"))
    noise = next(
        e
        for e in examples
        if e.theme == crowds.theme and "went off near my apartment" in e.user_input
    )
    substance = next(e for e in examples if e.theme == "substance_use")
    assert check_pair(crowds.theme, crowds.user_input, noise.reference_response)
    assert check_pair(crowds.theme, crowds.user_input, substance.reference_response)
    assert not check_pair(crowds.theme, crowds.user_input, crowds.reference_response)


@pytest.mark.parametrize(
    "scenario",
    [s for group in SCENARIOS.values() for s in group],
    ids=lambda s: s.message[:30],
)
def test_each_scenario_names_its_anchor_in_message_and_every_reply(scenario):
    rng = random.Random(0)
    for _ in range(25):
        slots = fill_slots(rng)
        anchor = scenario.anchor.format(**slots).lower()
        assert anchor in scenario.message.format(**slots).lower()
        for validation in scenario.validations:
            assert anchor in f"{validation} {scenario.reflection}".format(**slots).lower()


def test_replies_speak_to_the_client_and_recommend_only_healthy_coping():
    for e in load_tide_folder():
        reply = e.reference_response
        assert " my " not in f" {reply.lower()} ".replace("my own", ""), (e.example_id, reply)
        for coping in e.metadata["coping_behaviour"]:
            if coping_line(coping) in reply:
                assert coping in HEALTHY_COPING, (e.example_id, coping)
