"""Facts from the studies' texts that tests check the project against (shared/reference/studies.md)."""

# Study A, Appendix A: the survey's six client messages, one per scenario, in order, with the
# sample corpus's slug of each scenario.
APPENDIX_A = [
    ("panic", "I had a panic attack at the grocery store. It was so embarrassing."),
    ("grief_anger", "Sometimes I feel angry at her for leaving me alone like this."),
    ("depression", "The depression is hitting hard today. I can barely get out of bed."),
    ("abuse_memory", "Sometimes I feel like I'm reliving the abuse all over again."),
    (
        "noise_social_anxiety",
        "My roommates are having a party tonight. The noise is going to trigger me, I just know it.",
    ),
    ("substance_use", "Sometimes I think about drinking just to numb everything."),
]
