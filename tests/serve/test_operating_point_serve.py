"""The service applies the operating point stored in the model folder (TestClient)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def point_model_dir(tmp_path_factory):
    import depscreen
    from depscreen.corpus.synthetic import make_sample_corpus

    corpus = make_sample_corpus(n_users=60, posts_per_user=(4, 8), seed=11)
    model, record = depscreen.train("depscreen-default", corpus, params={"embedder": None},
                                    operating_point="sensitivity=0.95")
    return depscreen.save(model, tmp_path_factory.mktemp("op-serve") / "model", record)


@pytest.fixture(scope="module")
def screened():
    from depscreen.corpus.synthetic import make_sample_corpus

    return make_sample_corpus(n_users=24, posts_per_user=(4, 8), seed=12)


def test_service_applies_the_stored_point(point_model_dir, screened, key_file):
    from fastapi.testclient import TestClient

    import depscreen
    from depscreen.serve import Settings, create_app

    client = TestClient(create_app(point_model_dir, Settings(keys_file=key_file[0])))
    key = key_file[1]["alice"]
    card = client.get("/v1/model", headers={"X-API-Key": key}).json()
    model = depscreen.load(point_model_dir)
    assert card["operating_point"]["spec"] == "sensitivity=0.95"
    assert card["operating_point"]["threshold"] == pytest.approx(model.operating_point_.threshold)

    users = [u.to_dict() for u in screened.users]
    r = client.post("/v1/screen", json={"users": users, "explain": True}, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    lib = depscreen.score(model, screened)  # the library with the same stored point
    assert [x["flagged"] for x in results] == lib.flagged.tolist()
    assert [x["prediction"] for x in results] == lib.labels.tolist()
    for x in results:
        assert x["flagged"] == (x["probabilities"]["1"] >= model.operating_point_.threshold)
        assert x["prediction"] == int(x["flagged"]) and x["explanation"]["prediction"] == x["prediction"]


def test_service_without_a_point_reports_none(make_client, key, sample):
    client = make_client()
    card = client.get("/v1/model", headers={"X-API-Key": key}).json()
    assert card["operating_point"] is None
    r = client.post("/v1/screen", json={"users": [sample.users[0].to_dict()]}, headers={"X-API-Key": key})
    assert r.status_code == 200 and r.json()["results"][0]["flagged"] is None
