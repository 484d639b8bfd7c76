"""The interview JSON Lines format: reader, clear errors, writer, and bags with prefixes."""

from __future__ import annotations

import json

import pytest

from depscreen.corpus.dialogue import (
    DialogueFormatError,
    Interview,
    Turn,
    interviews_to_users,
    make_sample_interviews,
    read_dialogue_jsonl,
    write_dialogue_jsonl,
)


def write_lines(path, rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


GOOD = {"interview_id": "p1", "score": 7, "turns": [
    {"speaker": "Interviewer", "text": "Hi.", "time": 0},
    {"speaker": "participant", "text": "Hello.", "time": 1.5},
    {"speaker": "interviewer", "text": "How do you sleep?"},
    {"speaker": "interviewer", "text": "Any trouble at night?"},
    {"speaker": "participant", "text": "Badly.", "important": True},
    {"speaker": "participant", "text": "I wake at four.", "important": True},
    {"speaker": "interviewer", "text": "And your appetite?"},
    {"speaker": "participant", "text": "Fine.", "important": False},
]}


def test_sample_roundtrip(tmp_path):
    interviews = make_sample_interviews(n=12, seed=4)
    path = write_dialogue_jsonl(interviews, tmp_path / "iv.jsonl")
    corpus = read_dialogue_jsonl(path)
    assert corpus.report.read == 12 and not corpus.report.skipped
    assert [iv.to_dict() for iv in corpus] == [iv.to_dict() for iv in interviews]
    assert all(iv.meta["synthetic"] for iv in corpus)


def test_prefixes_follow_the_questions(tmp_path):
    corpus = read_dialogue_jsonl(write_lines(tmp_path / "a.jsonl", [GOOD]))
    user = interviews_to_users(corpus).users[0]
    assert user.user_id == "p1" and user.label == 7
    assert [p.text for p in user.posts] == ["Hello.", "Badly.", "I wake at four.", "Fine."]
    assert [p.meta["prefix"] for p in user.posts] == [
        "Hi.",
        "How do you sleep? Any trouble at night?",  # consecutive questions are joined
        "How do you sleep? Any trouble at night?",  # a follow-up keeps the question it answers
        "And your appetite?",
    ]
    assert [p.label for p in user.posts] == [None, 1, 1, 0]
    assert user.posts[0].meta["time"] == 1.5 and user.posts[0].time is None
    assert user.posts[1].id == "p1#4"


def test_a_turn_before_any_question_has_an_empty_prefix():
    iv = Interview("x", [Turn("participant", "I start."), Turn("interviewer", "Go on."),
                         Turn("participant", "More.")], score=3.5)
    user = interviews_to_users([iv]).users[0]
    assert [p.meta["prefix"] for p in user.posts] == ["", "Go on."] and user.label == 3.5
    with pytest.raises(ValueError, match="no label"):
        interviews_to_users([iv], target="label")


@pytest.mark.parametrize("row, message", [
    ("{not json", r"bad\.jsonl:2: not valid JSON"),
    ({"score": 1, "turns": GOOD["turns"]}, r":2: field 'interview_id'"),
    ({"interview_id": "q", "turns": GOOD["turns"]}, r"neither 'score' nor 'label'"),
    ({"interview_id": "q", "score": "high", "turns": GOOD["turns"]}, r"field 'score' must be a number"),
    ({"interview_id": "q", "score": 1, "turns": []}, r"field 'turns' must be a non-empty list"),
    ({"interview_id": "q", "score": 1, "turns": [{"speaker": "doctor", "text": "Hi"}]}, r"turns\[0\]\.speaker: 'doctor'"),
    ({"interview_id": "q", "score": 1, "turns": [{"speaker": "participant"}]}, r"turns\[0\]\.text is missing"),
    ({"interview_id": "q", "score": 1, "turns": [{"speaker": "interviewer", "text": "Hi"}]}, r"no participant turn"),
    ({"interview_id": "p1", "score": 1, "turns": GOOD["turns"]}, r"'p1' already used on line 1"),
])
def test_bad_lines_name_the_file_line_and_field(tmp_path, row, message):
    path = write_lines(tmp_path / "bad.jsonl", [GOOD, row])
    with pytest.raises(DialogueFormatError, match=message):
        read_dialogue_jsonl(path)


def test_skip_mode_counts_what_it_skips_and_speaker_map(tmp_path):
    ellie = {"interview_id": "p2", "label": 1, "turns": [{"speaker": "Ellie", "text": "Hi"},
                                                         {"speaker": "P", "text": "Hello"}]}
    path = write_lines(tmp_path / "mixed.jsonl", [GOOD, "{oops", "", ellie])
    corpus = read_dialogue_jsonl(path, errors="skip", speaker_map={"Ellie": "interviewer", "p": "participant"})
    assert [iv.interview_id for iv in corpus] == ["p1", "p2"]
    assert sum(corpus.report.skipped.values()) == 1
    assert interviews_to_users([corpus.interviews[1]], target="label").users[0].label == 1
    unmapped = read_dialogue_jsonl(path, errors="skip")  # without the map, p2's speakers are unknown
    assert len(unmapped) == 1 and sum(unmapped.report.skipped.values()) == 2
    with pytest.raises(ValueError):
        read_dialogue_jsonl(path, errors="ignore")
    with pytest.raises(FileNotFoundError):
        read_dialogue_jsonl(tmp_path / "missing.jsonl")


def test_sample_answers_need_their_prefix():
    interviews = make_sample_interviews(n=30, seed=2)
    users = interviews_to_users(interviews).users
    yes = [(p.meta["prefix"], p.label) for u in users for p in u.posts if p.text.startswith("Yes")]
    assert {lab for _, lab in yes} == {0, 1}  # the same answer text is important or not...
    assert all(len({lab for q, lab in yes if q == prefix}) == 1 for prefix, _ in yes)  # ...by its question
    scores = [iv.score for iv in interviews]
    important = [sum(bool(t.important) for t in iv.turns) for iv in interviews]
    assert min(scores) < 8 < max(scores)
    assert sorted(important) == [important[i] for i in sorted(range(30), key=lambda i: scores[i])]
