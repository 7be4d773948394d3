"""Generate the embedded sample corpus: synthetic, TIDE-shaped demo data.

The real TIDE corpus (500 personas x 20 two-turn dialogues, replies written by Claude Sonnet 3.5)
is gated on the hub. So that the pipeline runs offline on the first try, the project ships a
small corpus in the same shape, written by this generator from persona attributes and scenario
templates that cover the study's six themes. It is synthetic demo data: good for checking that
training and evaluation run and that numbers move, not for drawing conclusions about empathy.

Regenerate (byte-identical for the same seed)::

    python -m tide_exp.data.sample_corpus --out tide_exp/data/sample_tide
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

from tide_exp.files.atomic import write_text

SAMPLE_DIR = Path(__file__).parent / "sample_tide"

NAMES = [
    "Alex",
    "Sam",
    "Jordan",
    "Maria",
    "Dev",
    "Aisha",
    "Tom",
    "Lena",
    "Kofi",
    "Mei",
    "Rosa",
    "Ben",
    "Priya",
    "Jamal",
    "Elena",
    "Noah",
    "Yusuf",
    "Hannah",
    "Luis",
    "Grace",
]
GENDERS = ["woman", "man", "non-binary person"]
REGIONS = ["Northeast", "Midwest", "South", "West"]
OCCUPATIONS = [
    "nurse",
    "teacher",
    "warehouse worker",
    "student",
    "retired mechanic",
    "paramedic",
    "software tester",
    "cashier",
    "veteran",
    "social worker",
    "chef",
    "bus driver",
]
BACKGROUNDS = {
    "panic": "recurring panic attacks since a car accident",
    "grief_anger": "the sudden loss of a sibling",
    "depression": "a long depressive episode after losing a job",
    "abuse_memory": "childhood emotional abuse",
    "noise_social_anxiety": "combat-related PTSD with noise sensitivity",
    "substance_use": "using alcohol to cope with intrusive memories",
}
COPING = [
    "journaling",
    "long walks",
    "breathing exercises",
    "talking to a friend",
    "music",
    "avoiding people",
    "staying busy",
    "sleeping a lot",
]
# Coping a reply may suggest trying again; the others (avoiding people, ...) are never recommended.
HEALTHY_COPING = {"journaling", "long walks", "breathing exercises", "talking to a friend", "music"}

PLACES = [
    "the grocery store",
    "a crowded bus",
    "work",
    "a cousin's wedding",
    "the pharmacy",
    "a parent-teacher meeting",
    "the gym",
    "the train station",
]
PEOPLE = [
    "brother",
    "mom",
    "best friend",
    "dad",
    "partner",
    "grandmother",
]  # "my ..." in a message, "your ..." in its reply
TRIGGERS = [
    "fireworks",
    "a car backfiring",
    "a door slamming",
    "people shouting",
    "a siren",
    "a dropped tray in the cafeteria",
]
# (what the client says they do, what a reply calls it)
SUBSTANCES = [("drinking", "alcohol"), ("taking pills", "pills"), ("smoking weed", "weed")]


@dataclass(frozen=True)
class Scenario:
    """A client's message and the reply parts written for it.

    The reference reply of a dialogue is built only from its own scenario's parts, so it answers
    what the message says: every part names something the message names (``anchor``: a word or
    slot that both contain).
    """

    message: str
    validations: tuple[str, ...]
    reflection: str
    invitations: tuple[str, ...]
    anchor: str


SCENARIOS: dict[str, tuple[Scenario, ...]] = {
    "panic": (
        Scenario(
            "I had a panic attack at {place} today. My chest got tight and I had to leave everything behind.",
            (
                "That sounds really frightening, having a panic attack at {place} and needing to leave.",
                "I'm so sorry that happened at {place}; a panic attack can feel overwhelming.",
            ),
            "A tight chest during panic is your body's alarm going off, and leaving was a way of looking after yourself, not a failure.",
            (
                "What did you notice in your body just before your chest got tight?",
                "How are you feeling now, after leaving {place}?",
            ),
            "{place}",
        ),
        Scenario(
            "It happened again at {place}. My heart was racing and I was sure I was going to pass out.",
            (
                "That sounds terrifying, being sure you would pass out at {place}.",
                "I'm sorry it happened again at {place}; a racing heart like that is frightening.",
            ),
            "In a panic attack the racing heart feels like real danger, even though the panic itself passes and is not a sign of weakness.",
            (
                "What helped, even a little, once your heart started to slow down?",
                "Would it help to think together about what you could do the next time your heart races?",
            ),
            "{place}",
        ),
        Scenario(
            "I keep avoiding {place} because I'm scared the panic will come back. I feel so stupid about it.",
            (
                "It isn't stupid at all to avoid {place} after what panic has put you through.",
                "That fear of the panic coming back at {place} makes a lot of sense.",
            ),
            "Avoiding places where panic struck is how the mind tries to protect you, even as it shrinks your world.",
            (
                "Could we think about one small step toward {place}, at your own pace?",
                "What do you miss most since you started avoiding {place}?",
            ),
            "{place}",
        ),
        Scenario(
            "I woke up at 3am with my heart pounding and couldn't breathe. I don't know what set it off.",
            (
                "Waking up at 3am unable to breathe sounds so frightening.",
                "I'm sorry you woke up like that, with your heart pounding in the dark.",
            ),
            "Panic that wakes you at 3am can come without a clear trigger, and that does not mean something is wrong with you.",
            (
                "What helped you get through the rest of the night after you woke up?",
                "How have your days been lately?",
            ),
            "3am",
        ),
    ),
    "grief_anger": (
        Scenario(
            "It's been a year since my {person} died and I'm still so angry. Everyone expects me to be over it.",
            (
                "I'm so sorry about your {person}; a year is not a deadline for grief.",
                "Your anger a year after losing your {person} makes a lot of sense.",
            ),
            "Grief and anger don't follow anyone's timeline, and other people's expectations don't decide when you should be over it.",
            (
                "What do you wish the people around you understood about missing your {person}?",
                "How has this year been for you, underneath the anger?",
            ),
            "{person}",
        ),
        Scenario(
            "I yelled at my {person2} today over nothing. I think I'm just furious that my {person} is gone.",
            (
                "It sounds like the anger about losing your {person} spilled over onto your {person2} today.",
                "Thank you for being honest about yelling at your {person2}; that takes self-awareness.",
            ),
            "When a loss feels unfair, the fury has to go somewhere, and it often lands on the people closest to us.",
            (
                "Would it feel right to tell your {person2} what is really going on for you?",
                "What would help you make a little room for the anger about your {person} before it spills over?",
            ),
            "{person2}",
        ),
        Scenario(
            "Sometimes I'm angry at my {person} for leaving, and then I feel horrible for thinking that.",
            (
                "Being angry at your {person} and then feeling horrible about it is a painful mix.",
                "It makes sense to feel angry at your {person} for leaving, and it doesn't make you a bad person.",
            ),
            "Anger at someone we lost often sits right next to love for them, and feeling both is part of grieving.",
            (
                "What do you think your {person} would say if they knew you felt this way?",
                "Would it help to talk about what you miss most about your {person}?",
            ),
            "{person}",
        ),
        Scenario(
            "People keep saying everything happens for a reason. I want to scream when I hear that.",
            (
                "Of course you want to scream when people say everything happens for a reason.",
                "Hearing that everything happens for a reason can feel dismissive of your loss.",
            ),
            "Phrases like that are usually meant kindly, but they can make grief feel unseen, and your frustration is understandable.",
            (
                "What would you rather people said to you instead?",
                "Is there anyone who has listened to you without trying to explain your loss away?",
            ),
            "reason",
        ),
    ),
    "depression": (
        Scenario(
            "I haven't left my bed in three days. Everything feels pointless and heavy.",
            (
                "Three days in bed with everything feeling pointless sounds incredibly heavy.",
                "I'm really glad you told me how heavy things feel right now.",
            ),
            "When depression makes everything feel pointless, even getting out of bed can take more energy than you have, and that is not laziness.",
            (
                "Is there one very small thing, like opening a window, that feels possible today?",
                "Who could you let know that the last three days have been this hard?",
            ),
            "heavy",
        ),
        Scenario(
            "I used to love {hobby}, but now I can't make myself care about anything.",
            (
                "It's painful to lose the joy you used to find in {hobby}.",
                "Not being able to care about {hobby} anymore sounds really lonely.",
            ),
            "Losing interest in things you loved is one of the ways depression shows up, and it doesn't mean that part of you is gone for good.",
            (
                "What did {hobby} give you when you still loved it?",
                "Would it help to try a tiny piece of {hobby}, with no pressure to enjoy it?",
            ),
            "{hobby}",
        ),
        Scenario(
            "I feel like a burden to everyone. Even answering a text from my {person2} feels impossible.",
            (
                "Feeling like a burden is so painful, and I'm glad you told me.",
                "It makes sense that a text from your {person2} feels impossible when you feel this low.",
            ),
            "Depression often tells you that you are a burden, but people who care about you usually want to hear from you, even briefly.",
            (
                "Would a very short reply to your {person2}, even a single word, feel manageable?",
                "What do you imagine your {person2} would say if they knew how you feel?",
            ),
            "burden",
        ),
        Scenario(
            "Most mornings I wake up already exhausted, like there's nothing worth getting up for.",
            (
                "Waking up exhausted every morning sounds so draining.",
                "It makes sense that mornings feel hard when you wake up already exhausted.",
            ),
            "That kind of exhaustion in the mornings is common with depression, and it deserves care rather than blame.",
            (
                "Is there anything, however small, that has made a morning a little easier before?",
                "Would it help to talk with a doctor or counsellor about how exhausted you have been?",
            ),
            "exhausted",
        ),
    ),
    "abuse_memory": (
        Scenario(
            "Something my {person2} said today sounded exactly like my father used to, and I froze.",
            (
                "Hearing your {person2} sound like your father must have been so jarring, and freezing is a very human response.",
                "That sounds so painful; of course you froze when it sounded like your father.",
            ),
            "When something echoes what your father used to say, your body can react as if you are back there, and freezing is how it tried to keep you safe.",
            (
                "How are you feeling now, after freezing like that?",
                "Would it help to talk about what you needed in that moment with your {person2}?",
            ),
            "father",
        ),
        Scenario(
            "I keep having flashbacks to what happened when I was a kid. It feels like it's happening again.",
            (
                "Flashbacks like that sound terrifying, and I'm sorry you're going through them.",
                "Thank you for telling me about the flashbacks; that takes courage.",
            ),
            "Flashbacks make the past feel present, but you are here now, and what happened to you as a kid was not your fault.",
            (
                "What helps you remind yourself where you are when a flashback starts?",
                "Would naming things you can see help as a grounding step next time?",
            ),
            "flashback",
        ),
        Scenario(
            "I finally told my {person2} a little about the abuse and now I feel exposed and ashamed.",
            (
                "Telling your {person2} about the abuse took real courage, even if you feel exposed now.",
                "It makes sense to feel exposed after telling your {person2} something so personal.",
            ),
            "Shame often shows up after we share something painful, but the abuse was not your fault and you have nothing to be ashamed of.",
            (
                "How did your {person2} respond when you told them?",
                "What would help you feel a little safer after telling your {person2}?",
            ),
            "{person2}",
        ),
        Scenario(
            "When someone raises their voice I go right back to being that scared little kid.",
            (
                "It sounds so hard when a raised voice sends you right back to being that scared kid.",
                "Going back to being a scared little kid when someone raises their voice must be exhausting.",
            ),
            "A raised voice can set off the fear you learned as a child, and that reaction comes from what you survived, not from weakness.",
            (
                "What helps you come back to the present when someone raises their voice?",
                "Would it help to talk about what the scared little kid in you needed back then?",
            ),
            "voice",
        ),
    ),
    "noise_social_anxiety": (
        Scenario(
            "{trigger} went off near my apartment last night and I hit the floor. I was shaking for an hour.",
            (
                "Hitting the floor and shaking for an hour after {trigger_lower} sounds really distressing.",
                "I'm sorry {trigger_lower} set that off last night; shaking for an hour is exhausting.",
            ),
            "After trauma, a sudden noise like {trigger_lower} sets off your body's alarm before you can think; hitting the floor was it protecting you.",
            (
                "What helped you settle once the shaking started to ease?",
                "Would it help to plan what you could do the next time a sudden noise catches you at home?",
            ),
            "{trigger_lower}",
        ),
        Scenario(
            "I skipped {place} because I couldn't handle the noise and all those people watching me.",
            (
                "It makes sense that you skipped {place} when the noise and the people felt like too much.",
                "Feeling watched and overwhelmed by noise at {place} sounds really hard.",
            ),
            "Noise and crowds can keep your body on high alert, and skipping {place} was a way to protect yourself, even if it costs you something.",
            (
                "What would make {place} feel even a little more manageable next time?",
                "How do you feel about having skipped {place}?",
            ),
            "{place}",
        ),
        Scenario(
            "At {place} someone dropped something loud and I nearly ran out. Everyone stared at me.",
            (
                "Nearly running out of {place} with everyone staring sounds so distressing.",
                "I'm sorry that loud noise at {place} caught you off guard like that.",
            ),
            "A sudden loud noise can trigger your body's alarm before you can think, and the stares probably felt much bigger to you than to them.",
            (
                "What helped you stay, or calm down afterwards, at {place}?",
                "How are you feeling about going back to {place}?",
            ),
            "{place}",
        ),
        Scenario(
            "I can't stand crowds anymore. I feel trapped and on guard the whole time.",
            (
                "Feeling trapped and on guard in crowds sounds exhausting.",
                "It makes sense that crowds feel unbearable when you are on guard the whole time.",
            ),
            "After trauma, crowds can feel like there is no way out, and staying on guard is your body's way of watching for danger.",
            (
                "Are there times or places where crowds feel a little less trapping for you?",
                "Would it help to think about a plan for leaving a crowd when it becomes too much?",
            ),
            "crowds",
        ),
    ),
    "substance_use": (
        Scenario(
            "I've been {substance} every night just so I can sleep without the nightmares.",
            (
                "Thank you for being honest about {substance} to get through the night.",
                "It makes sense that you wanted relief from the nightmares.",
            ),
            "Many people reach for something like {substance_noun} to quiet nightmares that feel unbearable, and there are other ways to get sleep back that we could look at.",
            (
                "Would you be open to talking with a doctor about the nightmares and your sleep?",
                "What are the nightmares like, if you feel able to share?",
            ),
            "nightmares",
        ),
        Scenario(
            "I promised myself I'd stop {substance}, but after a bad day I slipped again.",
            (
                "Slipping after a bad day doesn't erase your effort to stop {substance}.",
                "Thank you for telling me about the slip; there's no judgment here.",
            ),
            "Cutting back on {substance_noun} is hard, and slips are a common part of changing a habit, not a sign that you have failed.",
            (
                "What made the bad day so hard, before you slipped?",
                "Would it help to think about who you could reach out to on the next bad day?",
            ),
            "slip",
        ),
        Scenario(
            "My {person2} noticed how much I've been {substance} and I got defensive. I'm scared they're right.",
            (
                "It took courage to admit you're scared your {person2} might be right.",
                "Getting defensive when your {person2} brought it up is a very human reaction.",
            ),
            "It sounds like part of you is worried about {substance_noun} too, and noticing that is an important first step.",
            (
                "Would it feel possible to talk with your {person2} again, now that things are calmer?",
                "What would you want to change about {substance_noun}, if anything?",
            ),
            "{person2}",
        ),
        Scenario(
            "{substance_cap} is the only thing that quiets my head, and I know that's not good.",
            (
                "It makes sense that you want your head to feel quieter.",
                "Thank you for being honest that {substance_noun} is how you quiet your head.",
            ),
            "Many people use {substance_noun} to numb memories that feel unbearable, and you are already seeing that it costs you something.",
            (
                "What else has quieted your head, even for a moment?",
                "Would you be open to finding support for the memories that {substance_noun} is quieting?",
            ),
            "quiet",
        ),
    ),
}

HOBBIES = ["painting", "cooking", "running", "playing guitar", "gardening", "reading"]


def make_persona(rng: random.Random, index: int) -> dict:
    """One persona's metadata: demographics and behaviour, TIDE's metadata file in spirit."""
    theme = list(BACKGROUNDS)[index % len(BACKGROUNDS)]
    return {
        "persona_id": f"p{index:04d}",
        "name": rng.choice(NAMES),
        "age": rng.randint(18, 78),
        "gender": rng.choice(GENDERS),
        "us_region": rng.choice(REGIONS),
        "occupation": rng.choice(OCCUPATIONS),
        "primary_theme": theme,
        "trauma_background": BACKGROUNDS[theme],
        "coping_behaviour": rng.sample(COPING, 2),
        "synthetic": True,
    }


def fill_slots(rng: random.Random) -> dict[str, str]:
    """One dialogue's slot values, shared by its message and its reply."""
    substance, substance_noun = rng.choice(SUBSTANCES)
    trigger = rng.choice(TRIGGERS)
    person, person2 = rng.sample(PEOPLE, 2)  # the one lost and the one yelled at differ
    return {
        "place": rng.choice(PLACES),
        "person": person,
        "person2": person2,
        "trigger": trigger.capitalize(),
        "trigger_lower": trigger,
        "hobby": rng.choice(HOBBIES),
        "substance": substance,
        "substance_noun": substance_noun,
        "substance_cap": substance.capitalize(),
    }


def coping_line(coping: str) -> str:
    """The optional reply sentence that recalls a persona's healthy coping."""
    return f"You said {coping} has helped before; it could be a gentle option now."


def make_dialogue(rng: random.Random, persona: dict, turn: int) -> dict:
    """One two-turn dialogue: the client's message and a reference reply written for it."""
    # Half the dialogues stay on the persona's own theme; the rest cover the other themes.
    theme = persona["primary_theme"] if turn % 2 == 0 else rng.choice(list(SCENARIOS))
    scenario = rng.choice(SCENARIOS[theme])
    slots = fill_slots(rng)
    coping = persona["coping_behaviour"][0]
    parts = [
        rng.choice(scenario.validations),
        scenario.reflection,
        coping_line(coping) if coping in HEALTHY_COPING and rng.random() < 0.4 else "",
        rng.choice(scenario.invitations),
    ]
    reply = " ".join(part.format(**slots) for part in parts if part)
    return {
        "dialogue_id": f"{persona['persona_id']}-d{turn:02d}",
        "theme": theme,
        "user_input": scenario.message.format(**slots),
        "reference_response": reply,
    }


def generate_corpus(
    out_dir: Path, num_personas: int = 40, dialogues_per_persona: int = 20, seed: int = 7
) -> None:
    """Write ``metadata/{id}_metadata.json`` and ``conversations/{id}_conversation.json`` per persona."""
    rng = random.Random(seed)
    for index in range(num_personas):
        persona = make_persona(rng, index)
        dialogues = [make_dialogue(rng, persona, turn) for turn in range(dialogues_per_persona)]
        pid = persona["persona_id"]
        write_text(
            out_dir / "metadata" / f"{pid}_metadata.json", json.dumps(persona, indent=1) + "\n"
        )
        conversation = {"persona_id": pid, "dialogues": dialogues}
        write_text(
            out_dir / "conversations" / f"{pid}_conversation.json",
            json.dumps(conversation, indent=1) + "\n",
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLE_DIR)
    parser.add_argument("--personas", type=int, default=40)
    parser.add_argument("--dialogues", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    generate_corpus(args.out, args.personas, args.dialogues, args.seed)
    print(f"wrote {args.personas} personas x {args.dialogues} dialogues to {args.out}")


if __name__ == "__main__":
    main()
