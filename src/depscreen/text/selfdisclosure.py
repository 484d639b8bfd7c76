"""Self-disclosure filter: find and remove posts in which a user states their diagnosis.

User-level depression data sets are often labelled from the users' own statements
("I was diagnosed with depression", "我确诊抑郁症", "saya didiagnosis depresi"). Those
posts stay in the timelines, so a classifier can find the label instead of learning
signs of depression. :func:`filter_self_disclosure` removes them before evaluation and
reports what it removed.

A post is a self-disclosure when a **first-person** subject, a **diagnosis / having
verb** and a **depression-spectrum condition** (depression, MDD, dysthymia, bipolar /
manic depression) appear together in one sentence, for example:

* en: "I was diagnosed with (severe) depression", "I've been diagnosed with anxiety and
  depression", "my depression diagnosis", "my therapist says I have depression",
  "I suffer from depression", "I have clinical depression", "I am bipolar";
* zh: "我确诊抑郁症", "我被诊断为重度抑郁", "我有抑郁症", "我得了抑郁症", "我的抑郁症",
  "今天确诊了抑郁症" (subject dropped at the start of a clause);
* id: "saya didiagnosis depresi", "aku didiagnosa depresi berat", "saya mengidap
  depresi", "psikiater bilang aku depresi".

It is **not** a self-disclosure when the subject is someone else ("my friend was
diagnosed", "adik saya didiagnosis", "我朋友得了抑郁症"), when the condition is only
mentioned ("depression is awful"), when the statement is hedged or negated ("if I'm
diagnosed with...", "do I have depression?", "I was never diagnosed", "我是不是得了抑郁症",
"apakah saya depresi"), inside double quotes (someone else's words), or in a retweet
("RT @name: ..."). Other diagnoses alone (anxiety, ADHD, cancer) do not count.

>>> is_self_disclosure("On Oct 8th I was diagnosed with depression.")
True
>>> is_self_disclosure("My friend was diagnosed with depression")
False
>>> is_self_disclosure("我去年确诊了抑郁症"), is_self_disclosure("saya didiagnosis depresi")
(True, True)
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from depscreen.corpus.types import PostCorpus, User, UserCorpus

from .normalise import to_halfwidth

__all__ = [
    "DISCLOSURE_LANGS",
    "DisclosureReport",
    "is_self_disclosure",
    "match_self_disclosure",
    "filter_self_disclosure",
    "match_mention",
    "SCOPES",
]

DISCLOSURE_LANGS = ("en", "zh", "id")
_I = re.IGNORECASE

# ---------------------------------------------------------------- English ----------------

_EN_COND = (
    r"#?(?:(?:clinical|major|severe|chronic|mild|moderate|manic|postpartum|post-partum|psychotic|"
    r"persistent|atypical|seasonal|treatment[- ]resistant|bipolar|pre-?)[\s-]*)*"
    r"(?:depre+s+i+on|depressive|mdd|bipolar|dysthymi[ac]|manic[- ]depress\w*|"
    r"(?:clinically\s+)?depressed|mood\s+disorder)\b"
)
_EN_ADV = (
    r"(?:(?:just|finally|recently|officially|formally|clinically|first|also|actually|eventually|"
    r"initially|properly|originally|now|only|already|literally|even|once|again|ever|since|being|"
    r"then|later|today|yesterday)\s+)*"
)
_EN_DIAG_VERB = re.compile(
    r"\bi\b\s*(?:'ve|'m|'d|am|was|have|had|got|get)?\s*" + _EN_ADV
    + r"(?:been\s+|got\s+|gotten\s+|get\s+)?" + _EN_ADV
    + r"['\"]?(?:re-?)?(?:diagnos(?:ed|e)|dx(?:'d|ed)?)\b['\"]?",
    _I,
)
_EN_DIAG_ME = re.compile(r"\b(?:diagnos(?:ed|e)|dx(?:'d|ed)?)\s+me\b", _I)
_EN_MY_DIAG = re.compile(r"\bmy\s+(?:(?:official|formal|new|recent|first)\s+)?diagnosis\b", _I)
_EN_COND_RE = re.compile(_EN_COND, _I)

_EN_PATTERNS: list[tuple[str, re.Pattern, str]] = [
    # "<condition> ... before I was diagnosed" (verb closes the clause)
    (
        "en:condition-then-diagnosed",
        re.compile(
            _EN_COND + r"[^.!?\n]{0,60}?\bi\b\s*(?:'ve|'m|am|was|have|had|got)?\s*" + _EN_ADV
            + r"(?:been\s+|got\s+)?['\"]?diagnosed\b['\"]?(?!\s*(?:with|as|w/)\b(?!\s+it\b))",
            _I,
        ),
        "plain",
    ),
    ("en:my-condition-diagnosis", re.compile(r"\bmy\s+" + _EN_COND + r"\s+diagnos[ie]s\b", _I), "plain"),
    (
        "en:clinician-says",
        re.compile(
            r"\bmy\s+(?:therapist|psychiatrist|psychologist|doctor|doc|gp|counsell?or|shrink|dr\.?|"
            r"physician|nurse)\s+(?:says|said|thinks|thought|told\s+me|confirmed|believes|agrees|"
            r"diagnosed\s+me\s+with|diagnosed\s+me\s+as)\s+(?:that\s+)?"
            r"(?:i\s*(?:have|had|'ve\s+got|'m|am|was|suffer\s+from|'ve)\s+)?(?:got\s+)?" + _EN_COND,
            _I,
        ),
        "plain",
    ),
    (
        "en:suffer-from",
        re.compile(
            r"\bi\b\s*(?:'ve|have|'m|am|had)?\s*(?:been\s+)?" + _EN_ADV
            + r"(?:suffer(?:ed|ing|s)?|struggl(?:e|ed|ing)|battl(?:e|ed|ing)|liv(?:e|ed|ing)|"
            r"deal(?:t|ing)?|diagnosed)\s+(?:from|with)\s+(?:[\w\s,&/'-]{0,30}?(?:,|and|&)\s*)?" + _EN_COND,
            _I,
        ),
        "plain",
    ),
    (
        "en:i-have",
        re.compile(
            r"\bi\b\s*(?:have|'ve\s+got|have\s+got|'ve\s+had|have\s+had|got|had)\s+(?:had\s+)?"
            r"(?!depressed)" + _EN_COND,
            _I,
        ),
        "have",
    ),
    (
        "en:i-am",
        re.compile(
            r"\bi\b\s*(?:am|'m)\s+(?:clinically\s+depressed|bipolar|manic[- ]depressive)\b", _I
        ),
        "have",
    ),
]
_EN_HEDGE = re.compile(
    r"\b(?:if|whether|do|does|did|maybe|might|wonder(?:ing)?|afraid|suspect|unless|"
    r"pretend(?:ed|ing)?|think|thought|worried|scared|fear|unsure|sure)\b[^.!?\n]*$",
    _I,
)
# sentence ends, and headline separators (" - ", " | ") of shared article titles
_EN_SENT_END = re.compile(r"[.!?]+\s+(?=[A-Z\"“#@])|\n|[.!?]+$|\s[-|–—]\s")

# ---------------------------------------------------------------- Chinese ----------------

_ZH_DISORDER = r"(?:抑郁症|抑郁障碍|双相情感障碍|双相障碍|双相|躁郁症|躁狂抑郁症|心境障碍|微笑抑郁症?)"
_ZH_COND = r"(?:" + _ZH_DISORDER[3:-1] + r"|抑郁)"
_ZH_MOD = r"(?:(?:轻度|中度|重度|中重度|严重|重性|轻微|慢性|难治性|焦虑|产后|季节性)(?:的)?)?"
_ZH_ADV = (
    r"(?:已经|曾经|也|终于|刚刚|刚|才|之前|以前|去年|前年|今年|上个月|上月|上周|前几天|前段时间|"
    r"早就|早已|还|确实|真的|一直|最近|当年|小时候|那年|初中|高中|大学|\d+岁(?:时|的时候)?|在医院|"
    r"又|就|都|其实|本来|从小)"
)
_ZH_DIAG = (
    r"(?:被(?:医生|医院|精神科|心理医生|医师)?(?:确诊|诊断)(?:为|出|患有|出了|有|了)?|确诊(?:为|了|患有|出|出了)?"
    r"|诊断(?:为|出|出了)|查出(?:了|来)?|得了|患(?:有|上了|上|了)|患上了)"
)
_ZH_NOT_DIAGNOSIS = r"(?!倾向|情绪|的感觉|的情绪|的症状|症状|状态)"
_ZH_STOP = r"[，。！？,.!?\n；;：:]"
_ZH_PATTERNS: list[tuple[str, re.Pattern, str]] = [
    (
        "zh:我-diagnosed",
        re.compile(r"我" + _ZH_ADV + r"{0,3}" + _ZH_DIAG + r"[^，。！？,.!?\n；;]{0,8}?" + _ZH_MOD + _ZH_COND + _ZH_NOT_DIAGNOSIS),
        "plain",
    ),
    ("zh:我-有", re.compile(r"我" + _ZH_ADV + r"{0,3}(?:有|是)" + _ZH_MOD + _ZH_DISORDER + _ZH_NOT_DIAGNOSIS), "have"),
    ("zh:我的-disorder", re.compile(r"我的" + _ZH_MOD + _ZH_DISORDER + _ZH_NOT_DIAGNOSIS), "plain"),
    (
        "zh:dropped-subject",
        re.compile(
            r"(?:^|(?<=" + _ZH_STOP + r")|(?<=\s))(?:今天|昨天|前天|上周|上个月|去年|前年|今年|终于|刚刚|刚|最后|结果|已经)*"
            r"(?:被确诊|确诊|被诊断为|诊断为|被诊断出|诊断出)(?:了|为|出)?" + _ZH_MOD + _ZH_COND + _ZH_NOT_DIAGNOSIS
        ),
        "plain",
    ),
]
_ZH_HEDGE = re.compile(r"(?:如果|假如|要是|万一|是不是|是否|怀疑|担心|害怕|可能|觉得|感觉|好像|以为|难道|会不会|怕)[^，。！？,.!?\n；;]*$")
_ZH_QUESTION = re.compile(r"^[^，。！？,.!\n；;]{0,6}?(?:吗|嘛|么|\?|？)")

# ---------------------------------------------------------------- Indonesian -------------

_ID_FP = r"\b(?:saya|aku|gue|gw|gua|ane|sy|aq)\b"
_ID_ADV = (
    r"(?:(?:sudah|udah|udh|sdh|telah|baru|barusan|pernah|juga|jg|sempat|dulu|akhirnya|ternyata|"
    r"sebenarnya|sebenernya|emang|memang|resmi|secara\s+resmi|sendiri|ini|tahun\s+lalu|kemarin|"
    r"kemaren|yang|yg|sejak\s+\w+)\s+){0,3}"
)
_ID_COND = (
    r"#?(?:gangguan\s+)?(?:depresi(?:\s+(?:berat|mayor|major|klinis|akut|kronis|ringan|sedang))?|"
    r"bipolar|mdd|gangguan\s+mood|distimia)\b"
)
_ID_DIAG = r"(?:di-?diagnos(?:is|a)|terdiagnos(?:is|a)|divonis|mengidap|menderita|terkena|kena)"
_ID_PATTERNS: list[tuple[str, re.Pattern, str]] = [
    (
        "id:fp-diagnosed",
        re.compile(
            _ID_FP + r"\s+" + _ID_ADV + _ID_DIAG
            + r"\s+(?:(?:dengan|menderita|mengidap|mengalami|sebagai|kena|terkena|punya|ada)\s+)?"
            r"(?:[\w\s,&/-]{0,25}?(?:,|dan|&)\s*)?" + _ID_COND,
            _I,
        ),
        "plain",
    ),
    ("id:fp-punya", re.compile(_ID_FP + r"\s+" + _ID_ADV + r"(?:punya|positif)\s+" + _ID_COND, _I), "have"),
    (
        "id:clinician-says",
        re.compile(
            r"\b(?:dokter|dr|psikiater|psikolog|terapis|konselor)(?:ku|\s+saya|\s+aku|nya)?\s+"
            r"(?:bilang|mengatakan|menyatakan|mendiagnosis|mendiagnosa|memvonis|bilang\s+kalau|"
            r"bilang\s+kalo|bilang\s+klo|bilang\s+bahwa)\s+(?:kalau\s+|bahwa\s+|kalo\s+)?"
            + _ID_FP + r"\s+(?:(?:dengan|mengidap|menderita|kena|terkena|mengalami|punya|positif|itu)\s+)?" + _ID_COND,
            _I,
        ),
        "plain",
    ),
]
_ID_HEDGE = re.compile(
    r"\b(?:apakah|apa|kalau|kalo|klo|jika|mungkin|takut|kayaknya|kyknya|sepertinya|jangan-jangan|"
    r"semoga|khawatir|curiga|andai)\b[^.!?\n]*$",
    _I,
)
_ID_POSSESSOR = re.compile(
    r"\b(?:teman|temen|sahabat|ibu|bapak|ayah|mama|papa|mamah|papah|kakak|adik|adek|abang|suami|istri|"
    r"pacar|anak|keluarga|saudara|sepupu|tante|om|paman|bibi|nenek|kakek|mantan|tetangga|rekan|"
    r"kenalan|bos|guru|dosen|murid|siswa|ortu|orang\s+tua|cowok|cewek|pasien|klien)\s+$",
    _I,
)

_PATTERNS = {"en": _EN_PATTERNS, "zh": _ZH_PATTERNS, "id": _ID_PATTERNS}
_QUOTED = re.compile(r"\"[^\"\n]{3,}\"|“[^”\n]{3,}”|「[^」\n]+」|『[^』\n]+』")
_RETWEET = re.compile(r"^\s*RT\s+@\w+", _I)
_CLAUSE_START = re.compile(r"[.!?;\n。！？；]")
_CJK_TAIL = re.compile("[\u4e00-\u9fff][^\\s]*$")


def _prepare(text: str) -> str:
    text = to_halfwidth(html.unescape(text))
    return text.replace("’", "'").replace("‘", "'")


def _clause_prefix(text: str, start: int) -> str:
    """The last few words (Chinese: characters) of the clause before ``start``: a hedge
    ("if", "whether", "是不是", "apakah") counts only when it is this close."""
    before = text[:start]
    cut = max((m.end() for m in _CLAUSE_START.finditer(before)), default=0)
    clause = before[cut:]
    words = clause.split()
    if len(words) > 5:
        clause = " ".join(words[-5:]) + " "
    return clause[-12:] if _CJK_TAIL.search(clause) else clause


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    return any(a <= pos < b for a, b in spans)


def _en_diagnosis_matches(text: str, quoted: list[tuple[int, int]]) -> str | None:
    """First-person diagnosis verb followed, in the same sentence, by a condition."""
    for regex, name in ((_EN_DIAG_VERB, "en:i-diagnosed"), (_EN_DIAG_ME, "en:diagnosed-me"), (_EN_MY_DIAG, "en:my-diagnosis")):
        for m in regex.finditer(text):
            if _inside(quoted, m.start()) or _EN_HEDGE.search(_clause_prefix(text, m.start())):
                continue
            rest = text[m.end() : m.end() + 80]
            end = _EN_SENT_END.search(rest)
            window = rest[: end.start()] if end else rest
            if _EN_COND_RE.search(window):
                return name
    return None


def match_self_disclosure(text: str, lang: str | None = None) -> str | None:
    """Name of the first self-disclosure pattern that ``text`` matches, or None.

    ``lang`` restricts the patterns to one language ("en", "zh", "id"); None tries all
    (the patterns are script-specific, so this is safe and cheap).
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a str, got {type(text).__name__}")
    if lang is not None and lang not in DISCLOSURE_LANGS:
        raise ValueError(f"self-disclosure patterns exist for {DISCLOSURE_LANGS}, not {lang!r}")
    if not text or _RETWEET.match(text):
        return None
    text = _prepare(text)
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    langs = DISCLOSURE_LANGS if lang is None else (lang,)
    for code in langs:
        if code == "en":
            name = _en_diagnosis_matches(text, quoted)
            if name:
                return name
        hedge = {"en": _EN_HEDGE, "zh": _ZH_HEDGE, "id": _ID_HEDGE}[code]
        for name, regex, kind in _PATTERNS[code]:
            for m in regex.finditer(text):
                if _inside(quoted, m.start()):
                    continue
                prefix = _clause_prefix(text, m.start())
                if hedge.search(prefix):
                    continue
                if code == "id" and _ID_POSSESSOR.search(prefix):
                    continue
                if kind == "have" and _is_question(text, m.end(), code):
                    continue
                return name
    return None


def _is_question(text: str, end: int, lang: str) -> bool:
    rest = text[end:]
    if lang == "zh":
        return bool(_ZH_QUESTION.match(rest))
    stop = re.search(r"[.!?\n]", rest)
    return bool(stop and stop.group(0) == "?")


# Any mention of a diagnosis or of depression, in the three languages: the filter a
# careful peer applies to Mental-Health-Twitter (/diagnos|depress/i). Broader than the
# first-person patterns above: it also removes "depression is awful" and other people's
# diagnoses, so no depression word a labeller could have keyed on stays in a timeline.
_MENTION_PATTERNS = {
    "en": re.compile(r"diagnos|depress", _I),
    "id": re.compile(r"diagnos|depresi|depres", _I),
    "zh": re.compile(r"抑郁|确诊|诊断"),
}
#: Filter scopes: ``"mention"`` (any diagnosis / depression word; the default) and
#: ``"narrow"`` (first-person statements of one's own diagnosis only).
SCOPES = ("mention", "narrow")


def match_mention(text: str, lang: str | None = None) -> str | None:
    """``"mention:<lang>"`` when ``text`` mentions a diagnosis or depression at all.

    >>> match_mention("depression is awful"), match_mention("nice walk"), match_mention("我很抑郁")
    ('mention:en', None, 'mention:zh')
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a str, got {type(text).__name__}")
    if lang is not None and lang not in DISCLOSURE_LANGS:
        raise ValueError(f"self-disclosure patterns exist for {DISCLOSURE_LANGS}, not {lang!r}")
    langs = DISCLOSURE_LANGS if lang is None else (lang,)
    for code in langs:
        if _MENTION_PATTERNS[code].search(text):
            return f"mention:{code}"
    return None


def _matcher(scope: str):
    if scope == "mention":
        return lambda text, lang: match_self_disclosure(text, lang) or match_mention(text, lang)
    if scope == "narrow":
        return match_self_disclosure
    raise ValueError(f"scope must be one of {SCOPES}, got {scope!r}")


def is_self_disclosure(text: str, lang: str | None = None) -> bool:
    """True when ``text`` states the writer's own depression-spectrum diagnosis.

    >>> is_self_disclosure("I've been diagnosed with anxiety and depression")
    True
    >>> is_self_disclosure("depression is awful"), is_self_disclosure("if I'm diagnosed with depression")
    (False, False)
    """
    return match_self_disclosure(text, lang) is not None


# ---------------------------------------------------------------- filtering ---------------


@dataclass
class DisclosureReport:
    """What :func:`filter_self_disclosure` removed (counts only: no post text).

    Users whose every post was a self-disclosure are **kept** in the corpus with an
    empty timeline and counted in ``users_emptied``, so user counts and labels do not
    silently change; drop them explicitly if a model cannot take empty users.
    """

    posts_total: int = 0
    posts_removed: int = 0
    users_total: int = 0
    users_touched: int = 0
    users_emptied: int = 0
    per_label: dict[str, dict[str, int]] = field(default_factory=dict)
    per_pattern: Counter = field(default_factory=Counter)
    removed: dict[str, list[int]] = field(default_factory=dict)
    lang: str | None = None
    scope: str = "narrow"

    def _bucket(self, label: Any) -> dict[str, int]:
        return self.per_label.setdefault(
            str(label), {"users": 0, "posts": 0, "posts_removed": 0, "users_touched": 0, "users_emptied": 0}
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "posts_total": self.posts_total,
            "posts_removed": self.posts_removed,
            "users_total": self.users_total,
            "users_touched": self.users_touched,
            "users_emptied": self.users_emptied,
            "per_label": self.per_label,
            "per_pattern": dict(self.per_pattern),
            "removed": self.removed,
            "lang": self.lang,
            "scope": self.scope,
            "note": "users whose every post was removed are kept with an empty timeline",
        }

    def summary(self) -> str:
        parts = [
            f"self-disclosure filter ({self.scope}): removed {self.posts_removed} of {self.posts_total} posts",
            f"from {self.users_touched} of {self.users_total} users",
            f"({self.users_emptied} left with no posts, kept)",
        ]
        labels = "; ".join(
            f"label {lab}: {c['posts_removed']} posts, {c['users_touched']}/{c['users']} users"
            for lab, c in sorted(self.per_label.items())
        )
        return " ".join(parts) + (f". Per label: {labels}" if labels else "")


def filter_self_disclosure(
    corpus: UserCorpus | PostCorpus, lang: str | None = None, *, scope: str = "mention"
) -> tuple[UserCorpus | PostCorpus, DisclosureReport]:
    """Remove self-disclosure posts from every user (or every record of a post corpus).

    Parameters
    ----------
    corpus : UserCorpus or PostCorpus
        Not modified; a new corpus is returned.
    lang : {"en", "zh", "id"} or None
        Restrict the patterns to one language; None tries all three.
    scope : {"mention", "narrow"}
        ``"mention"`` (default) removes every post that mentions a diagnosis or
        depression at all (``/diagnos|depress/i``, ``抑郁|确诊|诊断``, ``depresi``), which
        covers what a careful peer removes; ``"narrow"`` removes only first-person
        statements of one's own diagnosis (the patterns of :func:`is_self_disclosure`).

    Returns
    -------
    (corpus, DisclosureReport)
        The filtered corpus (same users in the same order; users left without posts are
        kept) and the counts: posts removed, users touched, users emptied, per label,
        per pattern, and the indices of removed posts per user id.

    Examples
    --------
    >>> from depscreen.corpus import Post, User, UserCorpus
    >>> c = UserCorpus([User("u1", 1, [Post("I was diagnosed with depression"), Post("nice day")]),
    ...                 User("u2", 0, [Post("nice day")])])
    >>> filtered, report = filter_self_disclosure(c)
    >>> [len(u.posts) for u in filtered], report.posts_removed, report.users_touched
    ([1, 1], 1, 1)
    """
    match = _matcher(scope)
    report = DisclosureReport(lang=lang, scope=scope)
    if isinstance(corpus, PostCorpus):
        kept = []
        for i, rec in enumerate(corpus.records):
            bucket = report._bucket(rec.label)
            bucket["posts"] += 1
            report.posts_total += 1
            name = match(rec.text, lang)
            if name:
                report.posts_removed += 1
                bucket["posts_removed"] += 1
                report.per_pattern[name] += 1
                report.removed.setdefault(str(rec.id), []).append(i)
            else:
                kept.append(rec)
        return PostCorpus(kept, name=corpus.name, report=corpus.report), report
    if not isinstance(corpus, UserCorpus):
        raise TypeError(f"expected a UserCorpus or PostCorpus, got {type(corpus).__name__}")
    users = []
    for user in corpus.users:
        bucket = report._bucket(user.label)
        bucket["users"] += 1
        bucket["posts"] += len(user.posts)
        report.users_total += 1
        report.posts_total += len(user.posts)
        kept_posts, removed = [], []
        for i, post in enumerate(user.posts):
            name = match(post.text, lang or _post_lang(post))
            if name:
                removed.append(i)
                report.per_pattern[name] += 1
            else:
                kept_posts.append(post)
        if removed:
            report.posts_removed += len(removed)
            report.users_touched += 1
            bucket["posts_removed"] += len(removed)
            bucket["users_touched"] += 1
            report.removed[str(user.user_id)] = removed
            if not kept_posts:
                report.users_emptied += 1
                bucket["users_emptied"] += 1
        users.append(User(user.user_id, user.label, kept_posts, dict(user.meta)))
    return UserCorpus(users, name=corpus.name, report=corpus.report), report


def _post_lang(post) -> str | None:
    return post.lang if post.lang in DISCLOSURE_LANGS else None


def disclosure_counts(texts: Iterable[str], lang: str | None = None) -> Counter:
    """How many of ``texts`` match each pattern (for tuning; no text is returned)."""
    counts: Counter = Counter()
    for text in texts:
        name = match_self_disclosure(text, lang)
        if name:
            counts[name] += 1
    return counts
