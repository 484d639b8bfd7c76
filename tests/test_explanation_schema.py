"""One explanation schema for all models: the shipped JSON Schema, checked both ways."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from depscreen.explanation_schema import _check, check_explanation, explanation_schema

GOOD = {
    "prediction": 1,
    "score": 0.83,
    "top_features": [{"feature": "can't sleep", "contribution": 0.41}, {"feature": "tired", "contribution": 0.2}],
    "top_posts": [{"index": 2, "weight": 0.61}],
    "posts": [
        {"index": 0, "id": "u1-0", "time": "2022-01-03T01:12:49", "weight": 0.1, "used": True},
        {"index": 1, "id": None, "time": None, "weight": 0.0, "used": False},
        {"index": 2, "id": "u1-2", "time": "2022-01-05T06:08:27", "weight": 0.61, "used": True},
    ],
    "entropy": 0.7,  # a model may add keys of its own
}


def test_the_schema_file_ships_and_is_json_schema():
    schema = explanation_schema()
    assert schema["$schema"].startswith("https://json-schema.org/") and schema["required"] == ["prediction", "score"]


def test_a_hand_built_explanation_conforms():
    assert check_explanation(GOOD) == []
    assert check_explanation({"prediction": "sadness", "score": None}) == []


BAD = [
    (lambda e: e.pop("score"), "$", "missing 'score'"),
    (lambda e: e.update(predicted=e.pop("prediction")), "$", "must not have 'predicted'"),
    (lambda e: e["posts"][0].update(text="raw post text"), "$['posts'][0]", "must not have 'text'"),
    (lambda e: e["top_posts"][0].update(index=-1), "$['top_posts'][0]['index']", "below 0"),
    (lambda e: e["top_features"][0].pop("contribution"), "$['top_features'][0]", "missing 'contribution'"),
    (lambda e: e["posts"][1].update(used="no"), "$['posts'][1]['used']", "expected boolean"),
    (lambda e: e.update(score="high"), "$['score']", "expected number or null"),
]


@pytest.mark.parametrize("change, path, problem", BAD)
def test_a_bad_explanation_is_rejected(change, path, problem):
    bad = copy.deepcopy(GOOD)
    change(bad)
    problems = check_explanation(bad)  # jsonschema when installed, else the built-in check
    assert any(p.startswith(path + ":") or p.startswith(path + "[") for p in problems), problems
    builtin = _check(bad, explanation_schema(), "$")  # the fallback validator, always
    assert any(p.startswith(path) and problem in p for p in builtin), builtin


def test_builtin_validator_accepts_the_good_example():
    assert _check(GOOD, explanation_schema(), "$") == []


def test_baseline_models_explain_in_the_schema():
    from depscreen.corpus import Post, User
    from depscreen.models.registry import make_model

    rng = np.random.default_rng(0)
    sad, calm = ["tired", "empty", "cannot sleep", "alone"], ["coffee", "football", "holiday", "garden"]
    users = [
        User(f"u{i}", i % 2, [Post(" ".join(rng.choice(sad if i % 2 else calm, 3)), id=f"p{i}-{j}") for j in range(3)])
        for i in range(20)
    ]
    y = np.array([u.label for u in users])
    for name in ("majority", "tfidf-lr"):
        model = make_model(name).fit(users, y)
        for exp in model.explain(users[:4]):
            exp = json.loads(json.dumps(exp))  # as written to a file
            assert check_explanation(exp) == [], (name, check_explanation(exp))
