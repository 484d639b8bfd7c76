"""Clinical-interview dialogues: a documented JSON Lines format, a reader, and bags.

Interview corpora (DAIC-WOZ, Thai-Maywe in paper 001) are conversations between an
interviewer and a participant with one severity score per interview (PHQ-8, HAM-D).
None is available here, so the format below is ours; a converter for a real corpus
only has to write it.

Format (one interview per line, UTF-8)
--------------------------------------
::

    {"interview_id": "p301",            # required, unique string (or number)
     "score": 12,                       # severity score (number); required unless "label"
     "label": 1,                        # optional class (e.g. depressed 1 / 0)
     "meta": {...},                     # optional, kept
     "turns": [                         # required, non-empty, in spoken order
        {"speaker": "interviewer",      # "interviewer" or "participant" (any case)
         "text": "How have you been sleeping?",
         "time": 12.5},                 # optional: seconds from the start, or ISO 8601
        {"speaker": "participant",
         "text": "Badly, I wake up at four every night.",
         "time": 15.0,
         "important": true}             # optional instance truth (a sentence an expert
     ]}                                 # marked as important, paper 001's ISL)

Other speaker names (``"Ellie"``, ``"P"``) are mapped with ``speaker_map``.

Bags
----
:func:`interviews_to_users` turns each interview into a :class:`~depscreen.corpus.User`
(a bag) whose posts are the participant's turns in spoken order; each carries its
*prefix*, the interviewer turn(s) it answers, in ``Post.meta["prefix"]`` (the text the
dual encoder of :mod:`depscreen.models.mhim.dialogue` embeds with the sentence).
``Post.label`` holds ``important`` (1 / 0) where given, so Recall@k can be measured.
Times stay in ``Post.meta["time"]`` (``Post.time`` is left empty: turn order is the
order in the file).

Example
-------
>>> interviews = make_sample_interviews(n=4, seed=1)
>>> corpus = interviews_to_users(interviews)
>>> user = corpus.users[0]
>>> user.posts[0].meta["prefix"] != "", user.label == interviews[0].score
(True, True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .io import write_jsonl
from .types import Post, ReadReport, User, UserCorpus

SPEAKERS = ("interviewer", "participant")


class DialogueFormatError(ValueError):
    """A dialogue file that does not follow the format (file, line and field named)."""


@dataclass
class Turn:
    """One turn of an interview."""

    speaker: str  # "interviewer" | "participant"
    text: str
    time: float | str | None = None
    important: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"speaker": self.speaker, "text": self.text}
        if self.time is not None:
            out["time"] = self.time
        if self.important is not None:
            out["important"] = self.important
        return out


@dataclass
class Interview:
    """One interview: turns in spoken order, a severity score and/or a class label."""

    interview_id: str
    turns: list[Turn]
    score: float | None = None
    label: Any = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"interview_id": self.interview_id}
        if self.score is not None:
            out["score"] = self.score
        if self.label is not None:
            out["label"] = self.label
        if self.meta:
            out["meta"] = self.meta
        out["turns"] = [t.to_dict() for t in self.turns]
        return out

    @property
    def participant_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker == "participant"]


@dataclass
class DialogueCorpus:
    """Interviews read from a file, with the reader's report."""

    interviews: list[Interview]
    report: ReadReport
    name: str = ""

    def __len__(self) -> int:
        return len(self.interviews)

    def __iter__(self):
        return iter(self.interviews)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def parse_interview(data: Any, where: str, speaker_map: dict[str, str] | None = None) -> Interview:
    """Validate one decoded JSON object; errors name ``where`` (``file:line``) and the field."""
    if not isinstance(data, dict):
        raise DialogueFormatError(f"{where}: expected a JSON object, got {type(data).__name__}")
    iid = data.get("interview_id")
    if iid is None or (isinstance(iid, str) and not iid.strip()) or not isinstance(iid, (str, int)):
        raise DialogueFormatError(f"{where}: field 'interview_id' is missing or not a string / number")
    score, label = data.get("score"), data.get("label")
    if score is not None and not _number(score):
        raise DialogueFormatError(f"{where}: field 'score' must be a number, got {score!r}")
    if score is None and label is None:
        raise DialogueFormatError(f"{where}: interview '{iid}' has neither 'score' nor 'label'")
    turns_raw = data.get("turns")
    if not isinstance(turns_raw, list) or not turns_raw:
        raise DialogueFormatError(f"{where}: field 'turns' must be a non-empty list")
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        raise DialogueFormatError(f"{where}: field 'meta' must be an object")
    mapping = {k.lower(): v for k, v in (speaker_map or {}).items()}
    turns = []
    for j, t in enumerate(turns_raw):
        at = f"{where}: turns[{j}]"
        if not isinstance(t, dict):
            raise DialogueFormatError(f"{at}: expected an object with 'speaker' and 'text'")
        speaker = t.get("speaker")
        if not isinstance(speaker, str):
            raise DialogueFormatError(f"{at}.speaker is missing")
        speaker = mapping.get(speaker.strip().lower(), speaker.strip().lower())
        if speaker not in SPEAKERS:
            raise DialogueFormatError(
                f"{at}.speaker: {t.get('speaker')!r} is not 'interviewer' or 'participant' "
                "(map other names with speaker_map)"
            )
        text = t.get("text")
        if not isinstance(text, str):
            raise DialogueFormatError(f"{at}.text is missing or not a string")
        time = t.get("time")
        if time is not None and not (_number(time) or isinstance(time, str)):
            raise DialogueFormatError(f"{at}.time must be seconds (number) or an ISO 8601 string")
        important = t.get("important")
        if important is not None and not isinstance(important, (bool, int)):
            raise DialogueFormatError(f"{at}.important must be true / false")
        turns.append(Turn(speaker, text, time, None if important is None else bool(important)))
    if not any(t.speaker == "participant" for t in turns):
        raise DialogueFormatError(f"{where}: interview '{iid}' has no participant turn")
    return Interview(str(iid), turns, None if score is None else float(score), label, dict(meta))


def read_dialogue_jsonl(
    path: str | Path,
    *,
    errors: str = "raise",
    speaker_map: dict[str, str] | None = None,
) -> DialogueCorpus:
    """Read an interview JSON Lines file (see the module docstring for the format).

    Parameters
    ----------
    path : the file.
    errors : ``"raise"`` (default) stops at the first bad line with an error naming the
        file, the line and the field; ``"skip"`` skips bad lines and counts them in
        ``report`` (never silently).
    speaker_map : other speaker names, e.g. ``{"Ellie": "interviewer"}``.
    """
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors must be 'raise' or 'skip', got {errors!r}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such dialogue file")
    report = ReadReport(source=str(path))
    interviews: list[Interview] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DialogueFormatError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
                interview = parse_interview(data, where, speaker_map)
                if interview.interview_id in seen:
                    raise DialogueFormatError(
                        f"{where}: interview_id '{interview.interview_id}' already used on line "
                        f"{seen[interview.interview_id]}"
                    )
            except DialogueFormatError as exc:
                if errors == "raise":
                    raise
                reason = str(exc).split(": ", 1)[1] if ": " in str(exc) else str(exc)
                report.skip(reason.split(" (")[0][:80], where)
                continue
            seen[interview.interview_id] = lineno
            interviews.append(interview)
            report.read += 1
    return DialogueCorpus(interviews, report, name=path.stem)


def write_dialogue_jsonl(interviews: Iterable[Interview], path: str | Path) -> Path:
    """Write interviews in the documented format (one per line, as :func:`~.io.write_jsonl`)."""
    return write_jsonl(interviews, path)


def interviews_to_users(
    interviews: Iterable[Interview] | DialogueCorpus,
    *,
    target: str = "score",
    prefix_sep: str = " ",
) -> UserCorpus:
    """One bag per interview: the participant's turns, each with its interviewer prefix.

    Parameters
    ----------
    target : ``"score"`` (``User.label`` = the score) or ``"label"`` (the class).
    prefix_sep : joins several interviewer turns in a row into one prefix.

    The prefix of a participant turn is the run of interviewer turns since the previous
    participant turn; a follow-up participant turn with no new question keeps the last
    prefix (it still answers that question); a turn before any question has ``""``.
    """
    if target not in ("score", "label"):
        raise ValueError(f"target must be 'score' or 'label', got {target!r}")
    items = interviews.interviews if isinstance(interviews, DialogueCorpus) else list(interviews)
    users = []
    for iv in items:
        y = iv.score if target == "score" else iv.label
        if y is None:
            raise ValueError(f"interview '{iv.interview_id}' has no {target}")
        if target == "score" and float(y).is_integer():
            y = int(y)
        posts, pending, prefix = [], [], ""
        for j, turn in enumerate(iv.turns):
            if turn.speaker == "interviewer":
                pending.append(turn.text)
                continue
            if pending:
                prefix, pending = prefix_sep.join(pending), []
            meta: dict[str, Any] = {"prefix": prefix, "turn": j}
            if turn.time is not None:
                meta["time"] = turn.time
            posts.append(Post(text=turn.text, id=f"{iv.interview_id}#{j}",
                              label=None if turn.important is None else int(turn.important), meta=meta))
        users.append(User(iv.interview_id, y, posts,
                          meta={"source": "dialogue", "score": iv.score, "label": iv.label, **iv.meta}))
    corpus = UserCorpus(users, name="interviews")
    return corpus


# --------------------------------------------------------------------------- sample

_QUESTIONS = {
    "sleep": "How have you been sleeping lately?",
    "mood": "How would you describe your mood over the last two weeks?",
    "interest": "Do you still enjoy the things you used to do?",
    "energy": "How is your energy during the day?",
    "appetite": "Has your appetite changed?",
    "concentration": "Can you concentrate on work or reading?",
    "self": "How do you feel about yourself these days?",
}
_NEUTRAL_Q = ["Where did you grow up?", "What do you do for work?", "Tell me about your weekend.",
              "What kind of music do you like?", "How did you get here today?"]
_OK = {
    "sleep": ["I sleep fine, about seven hours.", "Pretty well, I go to bed at eleven."],
    "mood": ["Mostly good, nothing special.", "I feel alright, a bit busy."],
    "interest": ["Yes, I still play football on Sundays.", "Sure, I love cooking with friends."],
    "energy": ["Normal, I get through the day.", "Good, I go running most mornings."],
    "appetite": ["No, I eat the same as always.", "It is fine, I like my food."],
    "concentration": ["Yes, no problem with that.", "Mostly, unless the office is loud."],
    "self": ["I am fairly happy with myself.", "Okay, I am proud of my job."],
}
_LOW = {
    "sleep": ["I wake up at four every night and cannot fall asleep again.", "Hardly at all, I lie awake for hours."],
    "mood": ["I feel empty and sad almost every day.", "Down, like a weight on my chest all the time."],
    "interest": ["No, nothing feels worth doing anymore.", "I stopped seeing friends, it all feels pointless."],
    "energy": ["I am exhausted, even a shower feels like too much.", "I have no energy, I stay in bed."],
    "appetite": ["I barely eat, I lost a lot of weight.", "I skip meals, food has no taste."],
    "concentration": ["I read the same page again and again.", "My mind goes blank at work."],
    "self": ["I feel worthless, like a burden to everyone.", "I keep thinking I failed at everything."],
}
_SMALLTALK = ["In a small town near the coast.", "I work in a warehouse.", "We went to the park.",
              "Mostly rock and some jazz.", "I took the bus."]
# yes / no questions of either polarity: the answer alone is ambiguous, its prefix is not
_POLAR = {
    "sleep": ("Do you sleep well at night?", "Do you have trouble sleeping?"),
    "mood": ("Have you been in good spirits?", "Have you been feeling down or hopeless?"),
    "interest": ("Do you look forward to things?", "Have you lost interest in your hobbies?"),
    "energy": ("Do you have enough energy for your day?", "Do you feel tired all the time?"),
    "appetite": ("Are you eating as usual?", "Have you lost your appetite?"),
    "concentration": ("Can you focus when you need to?", "Do you find it hard to concentrate?"),
    "self": ("Do you feel good about yourself?", "Do you often feel like a failure?"),
}
_YES, _NO = ["Yes, most days.", "Yes, I would say so."], ["No, not really.", "No, not lately."]


def make_sample_interviews(n: int = 40, seed: int = 13, max_score: int = 24) -> list[Interview]:
    """Synthetic interviews for tests and demos (written here; no real data).

    Each interview mixes small talk with symptom questions; the participant gives a
    low-mood answer to ``k`` of them, ``k`` growing with the score (0..``max_score``,
    PHQ-8-like); those answers are marked ``important``. Half of the symptom questions
    are yes / no questions of either polarity ("Do you sleep well?" / "Do you have
    trouble sleeping?"), so an answer such as "Yes, most days." means something only
    with its prefix: the case the dual encoder exists for. Labelled synthetic in ``meta``.
    """
    rng = np.random.default_rng(seed)
    topics = list(_QUESTIONS)
    out = []
    for i in range(n):
        score = int(rng.integers(0, max_score + 1))
        k = int(round(score / max_score * len(topics)))
        low = set(rng.choice(topics, size=k, replace=False).tolist()) if k else set()
        asked = list(rng.permutation(topics))
        turns: list[Turn] = [Turn("interviewer", "Hi, thanks for coming in today.", 0.0),
                             Turn("participant", "Hello.", 2.0, False)]
        t = 4.0
        for topic in asked:
            if rng.random() < 0.5:
                q = int(rng.integers(len(_NEUTRAL_Q)))
                turns += [Turn("interviewer", _NEUTRAL_Q[q], t), Turn("participant", _SMALLTALK[q], t + 2, False)]
                t += 5
            is_low = topic in low
            if rng.random() < 0.5:
                question, answer = _QUESTIONS[topic], (_LOW if is_low else _OK)[topic][int(rng.integers(2))]
            else:
                negative = bool(rng.random() < 0.5)
                question = _POLAR[topic][int(negative)]
                answer = (_YES if is_low == negative else _NO)[int(rng.integers(2))]
            turns += [Turn("interviewer", question, t), Turn("participant", answer, t + 2, is_low)]
            t += 6
        out.append(Interview(f"s{i:03d}", turns, float(score), int(score >= 10), {"synthetic": True}))
    return out
