"""POST /v1/prevalence: aggregates with intervals, the batch endpoint's keys and limits,
never a per-user row."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def default_dir(tmp_path_factory):
    """depscreen-default (TF-IDF part only) on synthetic users: it stores out-of-fold scores."""
    import depscreen
    from depscreen.corpus.synthetic import make_sample_corpus

    sample = make_sample_corpus(n_users=80, posts_per_user=(6, 10), seed=3, langs=("en",))
    model, record = depscreen.train("depscreen-default", sample, params={"embedder": None})
    return depscreen.save(model, tmp_path_factory.mktemp("model") / "default", record)


@pytest.fixture(scope="module")
def population():
    from depscreen.corpus.synthetic import make_sample_corpus

    corpus = make_sample_corpus(n_users=60, posts_per_user=(6, 10), seed=11, langs=("en",), positive_share=0.2)
    for i, u in enumerate(corpus.users):
        u.user_id = f"person-{i:03d}-zq"
        u.meta["region"] = "north" if i < 52 else "south"
    return corpus


@pytest.fixture
def client(default_dir, key_file):
    from fastapi.testclient import TestClient

    from depscreen.serve import Settings, create_app

    return TestClient(create_app(default_dir, Settings(keys_file=key_file[0])))


def _ndjson(corpus) -> bytes:
    return "\n".join(json.dumps(u.to_dict()) for u in corpus.users).encode()


def test_prevalence_returns_aggregates_only(client, key, population):
    r = client.post("/v1/prevalence?by=meta.region&n_boot=50", content=_ndjson(population),
                    headers={"X-API-Key": key, "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "not a diagnos" in body["disclaimer"] and "clinical depression" in body["note"]
    assert body["unit"] == "users" and body["methods"].keys() >= {"cc", "pcc", "acc", "pacc", "em"}
    names = [g["group"] for g in body["groups"]]
    assert names == ["all", "north"]  # 'south' has 8 users: withheld, counted
    assert body["withheld"] == {"groups": 1, "items": 8}
    overall = body["groups"][0]
    assert overall["n"] == 60
    em = overall["estimates"]["em"]
    assert set(em) == {"0", "1"} and em["1"]["low"] <= em["1"]["estimate"] <= em["1"]["high"]
    # never a per-user row: no user id, no per-item list anywhere in the answer
    assert "person-" not in r.text and "results" not in body


def test_prevalence_takes_json_and_refuses_tiny_or_bad_bodies(client, key, population):
    users = [u.to_dict() for u in population.users]
    r = client.post("/v1/prevalence?method=pcc&method=em&n_boot=20", json={"users": users},
                    headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    assert list(r.json()["methods"]) == ["pcc", "em"]

    r = client.post("/v1/prevalence", json={"users": users[:3]}, headers={"X-API-Key": key})
    assert r.status_code == 422 and r.json()["field"] == "users" and "at least 10" in r.json()["error"]
    r = client.post("/v1/prevalence?method=median", json={"users": users}, headers={"X-API-Key": key})
    assert r.status_code == 422 and "unknown prevalence method" in r.json()["error"]
    r = client.post("/v1/prevalence?by=meta.clinic&n_boot=20", json={"users": users}, headers={"X-API-Key": key})
    assert r.status_code == 422 and r.json()["field"] == "by" and "none of the 60 items" in r.json()["error"]
    assert "person-" not in r.text


def test_prevalence_needs_a_key(client, population):
    r = client.post("/v1/prevalence", content=_ndjson(population), headers={"Content-Type": "application/x-ndjson"})
    assert r.status_code == 401


def test_a_model_without_out_of_fold_scores_is_told_to_retrain(model_dir, key_file, key, population):
    """The shared tfidf-lr fixture stores no out-of-fold scores: em is refused, counting works."""
    from fastapi.testclient import TestClient

    from depscreen.serve import Settings, create_app

    c = TestClient(create_app(model_dir, Settings(keys_file=key_file[0])))
    users = [u.to_dict() for u in population.users]
    r = c.post("/v1/prevalence?method=em&n_boot=20", json={"users": users}, headers={"X-API-Key": key})
    assert r.status_code == 422 and r.json()["field"] == "method" and "retrain" in r.json()["error"]
    r = c.post("/v1/prevalence?n_boot=20", json={"users": users}, headers={"X-API-Key": key})
    assert r.status_code == 200 and list(r.json()["methods"]) == ["cc", "pcc"]
