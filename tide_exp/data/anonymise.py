"""Offline anonymisation of Chinese and English counselling text: names, places, contact details.

Study B: "All personally identifiable information, including names and geographic references,
was removed"; the report does not say how. This step is rule based (regular expressions and
small lexicons, no model, no network) and replaces each hit with a placeholder, counting hits
per rule for the preparation's step report:

=============  ==========  =================================================================
rule           placeholder  what it finds
=============  ==========  =================================================================
email          [EMAIL]     ``name@host.tld``
id_number      [ID]        18-character Chinese resident ID numbers (17 digits + digit/X)
phone          [PHONE]     Chinese mobiles (1[3-9] + 9 digits), landlines (0xx-xxxxxxxx),
                           ``+`` international and ``(xxx) xxx-xxxx`` numbers
name_zh        [NAME]      a surname from :data:`ZH_SURNAMES` plus one or two characters after
                           a self-introduction cue (我叫, 我的名字是, 名叫, 叫做 ...), or a
                           surname directly before a title (张老师 -> [NAME]老师)
name_en        [NAME]      a capitalised name after "my name is", "I'm called", "call me",
                           after Mr/Mrs/Ms/Dr, or a first name from :data:`EN_FIRST_NAMES`
place_zh       [PLACE]     provinces, regions and large cities from :data:`ZH_PLACES`, with an
                           optional 省/市/自治区 suffix
place_en       [PLACE]     countries, states and cities from :data:`EN_PLACES`
=============  ==========  =================================================================

Limits (why the counts are a floor, not a guarantee): names outside the cue patterns and the
lexicons pass through (a bare 小明, nicknames such as 小王/老李, surnames written alone,
transliterated foreign names); a name whose surname is a common word in context is missed on
purpose (向, 于 and 和 are left out of the surname list: 向老师请教 would lose a verb); places
below the listed cities (counties, districts, streets, schools, hospitals) and any English place
not in the list pass through; an English first name that is also a word (Will, May, Hope, Grace)
is only caught after a cue. A name a cue introduces (我叫王小明, my name is Sarah Jones) is
also replaced, with its parts (小明; Sarah, Jones), everywhere else in the same dialogue
(``name_introduced``); a given name that is also a word (李明白 -> 明白) is then replaced as a
word too, erring on the side of privacy. Replies are meant to be read by a person before release.
"""

from __future__ import annotations

import re
from collections import Counter

_HAN = "\u4e00-\u9fff"

# The commonest Chinese surnames (about 85% of the population), without those that are also
# everyday function words or verbs in running text (向, 于, 和, 从, 对, 把, 被, 给, 让, 比).
ZH_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程"
    "魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔汤"
)
ZH_TITLES = ("老师", "先生", "女士", "小姐", "同学", "医生", "大夫", "经理", "主任", "阿姨", "叔叔")
ZH_NAME_CUES = ("我叫", "我的名字是", "我的名字叫", "我名字叫", "名字叫", "名叫", "叫做")
_ZH_PLACES = (
    # provinces and autonomous regions
    "河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 "
    "贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 "
    # municipalities and large cities
    "北京 上海 天津 重庆 广州 深圳 成都 武汉 杭州 南京 西安 苏州 长沙 郑州 青岛 济南 沈阳 "
    "大连 哈尔滨 长春 石家庄 太原 合肥 南昌 福州 厦门 宁波 温州 东莞 佛山 昆明 贵阳 南宁 "
    "海口 兰州 西宁 银川 乌鲁木齐 拉萨 呼和浩特 无锡 珠海 汕头"
)
ZH_PLACES = tuple(_ZH_PLACES.split())
EN_NAME_CUES = r"(?i:my name is|my name's|i am called|i'm called|call me|named)"
EN_TITLES = r"(?:Mr|Mrs|Ms|Miss|Dr)\.?"
_EN_FIRST_NAMES = (
    "James John Robert Michael William David Richard Joseph Thomas Charles Daniel "
    "Matthew Anthony Steven Andrew Joshua Kevin Brian Jason Ryan Jacob Eric Jonathan "
    "Justin Brandon Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah "
    "Karen Nancy Lisa Margaret Sandra Ashley Emily Michelle Amanda Melissa Rebecca Laura "
    "Emma Olivia Sophia Isabella Mia Chloe Hannah Rachel Megan Lauren Samantha Nicole "
    "Stephanie Amy Anna Kate"
)
EN_FIRST_NAMES = tuple(_EN_FIRST_NAMES.split())
EN_PLACES = (
    "China|Hong Kong|Taiwan|Japan|Korea|Singapore|India|Australia|Canada|Mexico|Brazil|"
    "United States|America|USA|UK|United Kingdom|England|Scotland|Ireland|France|Germany|Italy|"
    "Spain|Russia|New York|Los Angeles|San Francisco|Chicago|Boston|Seattle|Houston|Toronto|"
    "Vancouver|London|Manchester|Paris|Berlin|Sydney|Melbourne|Tokyo|Beijing|Shanghai|Shenzhen|"
    "Guangzhou|California|Texas|Florida|Ohio|Michigan|Arizona"
)


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# (rule, placeholder, pattern); applied in this order, so digits of an ID are not a phone. A
# ``pre`` group (the cue before a name) is kept; only the rest of the match is replaced.
RULES: list[tuple[str, str, re.Pattern[str]]] = [
    # The lookbehind starts a match only where a run of address characters starts: without it
    # a long run with no "@" (a 200k-character message) was rescanned from every position.
    ("email", "[EMAIL]", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")),
    ("id_number", "[ID]", re.compile(r"(?<![0-9])\d{17}[0-9Xx](?![0-9A-Za-z])")),
    (
        "phone",
        "[PHONE]",
        re.compile(
            r"(?<![0-9])(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\+\d{1,3}[ -]?\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}"
            r"|\(\d{3}\) ?\d{3}-\d{4}|\d{3}-\d{3}-\d{4})(?![0-9])"
        ),
    ),
    (
        "name_zh",
        "[NAME]",
        re.compile(
            rf"(?P<pre>{_alternation(ZH_NAME_CUES)})(?P<name>[{ZH_SURNAMES}][{_HAN}]{{1,2}})"
            # Not after 历/主/对/地 (历史老师, 班主任老师, 对方医生, 地方老师): word, not surname.
            rf"|(?<![历主对地])[{ZH_SURNAMES}](?=(?:{_alternation(ZH_TITLES)}))"
        ),
    ),
    (
        "name_en",
        "[NAME]",
        re.compile(
            rf"(?P<pre>\b{EN_NAME_CUES} |\b{EN_TITLES} )(?P<name>[A-Z][a-z]+(?: [A-Z][a-z]+)?)"
            rf"|\b(?:{_alternation(EN_FIRST_NAMES)})\b"
        ),
    ),
    ("place_zh", "[PLACE]", re.compile(rf"(?:{_alternation(ZH_PLACES)})(?:省|市|自治区)?")),
    ("place_en", "[PLACE]", re.compile(rf"\b(?:{EN_PLACES})\b")),
]


def introduced_names(texts: list[str]) -> list[str]:
    """Names a cue introduces anywhere in ``texts`` (我叫王小明, my name is Sarah Jones), with
    their parts (小明; Sarah, Jones), longest first: :func:`anonymise` replaces them wherever
    else they appear in the same dialogue ("小明你好" in a reply)."""
    names: set[str] = set()
    for text in texts:
        for rule, _, pattern in RULES:
            for match in pattern.finditer(text) if "name" in pattern.groupindex else ():
                name = match.group("name")
                if name is None:
                    continue
                names.add(name)
                if rule == "name_zh" and len(name) == 3:
                    names.add(name[1:])  # the given name, as friends and counsellors use it
                names.update(name.split() if rule == "name_en" else ())
    return sorted(names, key=lambda n: (-len(n), n))


def anonymise(
    text: str, counts: Counter[str] | None = None, names: list[str] | tuple[str, ...] = ()
) -> str:
    """``text`` with every rule's hits, then every name in ``names``, replaced by placeholders.

    Hits are added to ``counts`` per rule (``name_introduced`` for ``names``).
    """
    text = _apply_rules(text, counts)
    for name in names:
        pattern = rf"\b{re.escape(name)}\b" if name.isascii() else re.escape(name)
        text, hits = re.subn(pattern, "[NAME]", text)
        if counts is not None and hits:
            counts["name_introduced"] += hits
    return text


def _apply_rules(text: str, counts: Counter[str] | None) -> str:
    for rule, placeholder, pattern in RULES:
        if "pre" in pattern.groupindex:
            text, hits = pattern.subn(lambda m, p=placeholder: (m.group("pre") or "") + p, text)
        else:
            text, hits = pattern.subn(placeholder, text)
        if counts is not None and hits:
            counts[rule] += hits
    return text
