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
from pathlib import Path

from tide_exp.files import write_text

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

PLACES = [
    "the grocery store",
    "a crowded bus",
    "work",
    "my cousin's wedding",
    "the pharmacy",
    "a parent-teacher meeting",
    "the gym",
    "the train station",
]
PEOPLE = ["my brother", "my mom", "my best friend", "my dad", "my partner", "my grandmother"]
TRIGGERS = [
    "fireworks",
    "a car backfiring",
    "a door slamming",
    "people shouting",
    "a siren",
    "a dropped tray in the cafeteria",
]
SUBSTANCES = ["drinking", "pills", "smoking weed"]

USER_TEMPLATES = {
    "panic": [
        "I had a panic attack at {place} today. My chest got tight and I had to leave everything behind.",
        "It happened again at {place}. My heart was racing and I was sure I was going to pass out.",
        "I keep avoiding {place} because I'm scared the panic will come back. I feel so stupid about it.",
        "I woke up at 3am with my heart pounding and couldn't breathe. I don't know what set it off.",
    ],
    "grief_anger": [
        "It's been a year since {person} died and I'm still so angry. Everyone expects me to be over it.",
        "I yelled at {person2} today over nothing. I think I'm just furious that {person} is gone.",
        "Sometimes I'm angry at {person} for leaving, and then I feel horrible for thinking that.",
        "People keep saying everything happens for a reason. I want to scream when I hear that.",
    ],
    "depression": [
        "I haven't left my bed in three days. Everything feels pointless and heavy.",
        "I used to love {hobby}, but now I can't make myself care about anything.",
        "I feel like a burden to everyone. Even answering a text from {person2} feels impossible.",
        "Most mornings I wake up already exhausted, like there's nothing worth getting up for.",
    ],
    "abuse_memory": [
        "Something {person2} said today sounded exactly like my father used to, and I froze.",
        "I keep having flashbacks to what happened when I was a kid. It feels like it's happening again.",
        "I finally told {person2} a little about the abuse and now I feel exposed and ashamed.",
        "When someone raises their voice I go right back to being that scared little kid.",
    ],
    "noise_social_anxiety": [
        "{trigger} went off near my apartment last night and I hit the floor. I was shaking for an hour.",
        "I skipped {place} because I couldn't handle the noise and all those people watching me.",
        "At {place} someone dropped something loud and I nearly ran out. Everyone stared at me.",
        "I can't stand crowds anymore. I feel trapped and on guard the whole time.",
    ],
    "substance_use": [
        "I've been {substance} every night just so I can sleep without the nightmares.",
        "I promised myself I'd stop {substance}, but after a bad day I slipped again.",
        "{person2} noticed how much I've been {substance} and I got defensive. I'm scared they're right.",
        "{substance_cap} is the only thing that quiets my head, and I know that's not good.",
    ],
}
VALIDATIONS = {
    "panic": [
        "That sounds really frightening.",
        "I'm so sorry you went through that; panic can feel overwhelming.",
        "What a scary experience, and it makes sense that it shook you.",
    ],
    "grief_anger": [
        "Your anger makes a lot of sense.",
        "Grief doesn't follow anyone's timeline, and I'm sorry you're carrying so much.",
        "It sounds like you're holding a lot of pain right now.",
    ],
    "depression": [
        "That sounds incredibly heavy.",
        "I'm really glad you told me how hard things are.",
        "It makes sense that you feel worn down.",
    ],
    "abuse_memory": [
        "That sounds so painful, and freezing is a very human response.",
        "Thank you for trusting me with something this hard.",
        "What you went through was not your fault.",
    ],
    "noise_social_anxiety": [
        "That sounds really distressing.",
        "Your body was trying to protect you, and that reaction makes sense.",
        "I'm sorry that happened; being on guard like that is exhausting.",
    ],
    "substance_use": [
        "Thank you for being honest about this.",
        "It makes sense that you wanted relief from the nightmares.",
        "That took courage to say, and there's no judgment here.",
    ],
}
REFLECTIONS = {
    "panic": "Panic can make your body feel like it's in danger even when you're safe, and it's not a sign of weakness.",
    "grief_anger": "Anger is often part of grief, especially when a loss feels unfair.",
    "depression": "When everything feels this heavy, even small things can take enormous energy.",
    "abuse_memory": "Memories like these can pull you back into old fear, and your reactions come from what you survived.",
    "noise_social_anxiety": "After trauma, sudden noise can set off a strong alarm in your body before you even think.",
    "substance_use": "Many people reach for something to numb memories that feel unbearable.",
}
INVITATIONS = [
    "Would it help to talk about what you noticed in your body when it started?",
    "What has helped you feel even a little safer in moments like this?",
    "If you'd like, we could think together about one small thing that might make tomorrow a bit easier.",
    "How are you feeling right now, as you tell me about it?",
    "You don't have to figure this out alone; what kind of support would feel right for you?",
]
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


def make_dialogue(rng: random.Random, persona: dict, turn: int) -> dict:
    """One two-turn dialogue: the client's message and a trauma-informed reference reply."""
    # Half the dialogues stay on the persona's own theme; the rest cover the other themes.
    theme = persona["primary_theme"] if turn % 2 == 0 else rng.choice(list(USER_TEMPLATES))
    substance = rng.choice(SUBSTANCES)
    slots = {
        "place": rng.choice(PLACES),
        "person": rng.choice(PEOPLE),
        "person2": rng.choice(PEOPLE),
        "trigger": rng.choice(TRIGGERS).capitalize(),
        "hobby": rng.choice(HOBBIES),
        "substance": substance,
        "substance_cap": substance.capitalize(),
    }
    user = rng.choice(USER_TEMPLATES[theme]).format(**slots)
    coping = persona["coping_behaviour"][0]
    reply = " ".join(
        [
            rng.choice(VALIDATIONS[theme]),
            REFLECTIONS[theme],
            f"You mentioned {coping} has helped before; only if it feels right, that could be one gentle option."
            if rng.random() < 0.4
            else "",
            rng.choice(INVITATIONS),
        ]
    )
    return {
        "dialogue_id": f"{persona['persona_id']}-d{turn:02d}",
        "theme": theme,
        "user_input": user,
        "reference_response": " ".join(reply.split()),
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
