"""The service through FastAPI's TestClient: status codes, JSON errors, limits, logs."""

from __future__ import annotations

import json
import logging
import time

import numpy as np
import pytest

from depscreen import DISCLAIMER

SECRET_TEXT = "my very private words about feeling hopeless"


def _user(uid="u1", texts=(SECRET_TEXT, "nice walk in the park today", "好累，什么都不想做", "capek banget hari ini")):
    return {"user_id": uid, "label": 1, "posts": [{"text": t, "time": f"2024-01-0{i + 1}T10:00:00"}
                                                  for i, t in enumerate(texts)]}


def _all_log_text(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


def _request_lines(caplog) -> list[dict]:
    """The service's per-request log lines (JSON objects)."""
    return [json.loads(r.getMessage()) for r in caplog.records
            if r.name == "depscreen.serve" and r.getMessage().startswith('{"event":"request"')]


def test_screen_200_with_key_and_schema(make_client, key, sample, model_dir):
    client = make_client()
    r = client.post("/v1/screen", json={"users": [_user(), sample.users[0].to_dict()]}, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["disclaimer"] == DISCLAIMER
    assert body["model"]["name"] == "tfidf-lr" and len(body["model"]["version"]) == 12
    assert body["level"] == "user" and [x["id"] for x in body["results"]] == ["u1", sample.users[0].user_id]
    first = body["results"][0]
    assert 0.0 <= first["score"] <= 1.0
    assert set(first["probabilities"]) == {"0", "1"}
    assert abs(sum(first["probabilities"].values()) - 1) < 1e-6
    assert first["prediction"] in (0, 1) and first["n_posts"] == 4
    assert first["languages"] == ["en", "en", "zh", "id"]
    exp = first["explanation"]
    assert exp["prediction"] == first["prediction"] and "top_features" in exp and "top_posts" in exp
    assert all(0 <= p["index"] < 4 for p in exp["top_posts"])
    assert SECRET_TEXT not in json.dumps(exp, ensure_ascii=False) and "好累" not in json.dumps(exp, ensure_ascii=False)
    assert all("text" not in p for p in exp["top_posts"])  # explanations carry indexes, never text
    # Bearer works too, and the score equals the library's
    import depscreen
    from depscreen.corpus.types import User

    r2 = client.post("/v1/screen", json={"users": [_user()]}, headers={"Authorization": f"Bearer {key}"})
    assert r2.status_code == 200
    lib = depscreen.score(depscreen.load(model_dir),
                          [User.from_dict(_user())])
    assert np.isclose(r2.json()["results"][0]["score"], lib.scores[0])


def test_bare_posts_for_an_any_level_model(make_client, key):
    r = make_client().post("/v1/screen", json={"posts": ["so sad and alone", {"id": "p9", "text": "fun game"}]},
                           headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["level"] == "post" and [x["id"] for x in body["results"]] == ["0", "p9"]


def test_401_without_or_with_a_wrong_key(make_client, key):
    client = make_client()
    for headers in ({}, {"X-API-Key": "dsk_nope"}, {"X-API-Key": key[:-2] + "zz"}, {"Authorization": "Bearer x"}):
        r = client.post("/v1/screen", json={"users": [_user()]}, headers=headers)
        assert r.status_code == 401, headers
        assert r.json()["error"] == "a valid API key is needed"
    assert client.get("/v1/model").status_code == 401
    assert client.get("/healthz").status_code == 200  # health and the page need no key
    assert client.get("/").status_code == 200


def test_413_on_a_3_mb_body(make_client, key, caplog):
    client = make_client()
    big = {"users": [_user(texts=["x" * 4000] * 750)]}
    raw = json.dumps(big).encode()
    assert len(raw) > 3_000_000
    r = client.post("/v1/screen", content=raw, headers={"X-API-Key": key, "Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["field"] == "body" and "too large" in r.json()["error"]

    # a streamed body without Content-Length is cut off too
    def chunks():
        for i in range(0, len(raw), 65536):
            yield raw[i:i + 65536]

    r = client.post("/v1/screen", content=chunks(), headers={"X-API-Key": key, "Content-Type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("body, field", [
    ({"users": [{"user_id": "u", "posts": []}]}, "users[0].posts"),
    ({"users": [{"user_id": "u", "posts": [{"text": None}]}]}, "users[0].posts[0].text"),
    ({"users": [{"user_id": "u", "posts": [{"time": "2024"}]}]}, "users[0].posts[0].text"),
    ({"users": [{"posts": [{"text": "hi"}]}]}, "users[0].user_id"),
    ({"users": [_user(), {"user_id": "v", "posts": [{"text": "a"}, {"text": 5}]}]}, "users[1].posts[1].text"),
    ({"users": [_user()], "top_k": 0}, "top_k"),
    ({"users": [_user()], "posts": ["a"]}, "users"),
    ({}, "users"),
    ({"user": []}, "user"),
])
def test_422_names_the_field_and_never_echoes_text(make_client, key, body, field):
    r = make_client().post("/v1/screen", json=body, headers={"X-API-Key": key})
    assert r.status_code == 422, r.text
    err = r.json()
    assert err["field"] == field, err
    assert field in err["error"]
    assert SECRET_TEXT not in r.text and "Traceback" not in r.text


def test_422_on_malformed_json_and_limits(make_client, key):
    client = make_client(max_posts_per_user=3, max_chars_per_post=50, max_users=2)
    r = client.post("/v1/screen", content=b'{"users": [', headers={"X-API-Key": key,
                                                                   "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "body"
    r = client.post("/v1/screen", json={"users": [_user(texts=["a", "b", "c", "d"])]}, headers={"X-API-Key": key})
    assert r.status_code == 422 and r.json()["field"] == "users[0].posts" and "at most 3" in r.json()["error"]
    r = client.post("/v1/screen", json={"users": [_user(texts=["a", "b" * 51])]}, headers={"X-API-Key": key})
    assert r.status_code == 422 and r.json()["field"] == "users[0].posts[1].text"
    r = client.post("/v1/screen", json={"users": [_user("a", ["x"]), _user("b", ["x"]), _user("c", ["x"])]},
                    headers={"X-API-Key": key})
    assert r.status_code == 422 and r.json()["field"] == "users"
    r = client.post("/v1/screen", json={"posts": ["ok", "z" * 60]}, headers={"X-API-Key": key})
    assert r.status_code == 422 and r.json()["field"] == "posts[1]"


def test_429_past_the_rate_limit_with_retry_after(make_client, key_file):
    client = make_client(rate_limit=6, burst=2)
    alice, bob = key_file[1]["alice"], key_file[1]["bob"]
    codes = [client.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": alice}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    r = client.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": alice})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1 and "rate limit" in r.json()["error"]
    # the limit is per key
    assert client.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": bob}).status_code == 200


def test_no_post_text_in_any_log_line(make_client, key, caplog):
    caplog.set_level(logging.DEBUG)
    client = make_client(max_chars_per_post=100)
    client.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": key})
    client.post("/v1/screen", json={"users": [_user(texts=[SECRET_TEXT * 5])]}, headers={"X-API-Key": key})
    client.post("/v1/screen", json={"users": [{"user_id": "u", "posts": [{"text": None}, {"text": SECRET_TEXT}]}]},
                headers={"X-API-Key": key})
    client.post("/v1/screen", json={"users": [_user()]})
    client.post("/v1/screen/batch", json={"users": [_user()], "explain": True}, headers={"X-API-Key": key})
    logged = _all_log_text(caplog)
    lines = _request_lines(caplog)
    assert len(lines) == 5 and {"/v1/screen", "/v1/screen/batch"} == {x["route"] for x in lines}
    ok = [x for x in lines if x["status"] == 200 and x["route"] == "/v1/screen"][0]
    assert ok["users"] == 1 and ok["posts"] == 4 and ok["key"] == "alice" and len(ok["request_id"]) == 12
    assert "u1" not in json.dumps(lines)  # no raw user ids either
    for fragment in ("private words", "hopeless", "好累", "capek", "walk in the park"):
        assert fragment not in logged


def test_pseudonymise_hashes_user_ids_in_responses_and_logs(make_client, key, caplog):
    caplog.set_level(logging.INFO)
    client = make_client(pseudonymise=True, pseudonym_salt="fixed")
    r = client.post("/v1/screen", json={"users": [_user("alice-real-id")]}, headers={"X-API-Key": key})
    rid = r.json()["results"][0]["id"]
    assert rid.startswith("u_") and "alice-real-id" not in r.text
    assert "alice-real-id" not in _all_log_text(caplog) and rid in _all_log_text(caplog)
    again = client.post("/v1/screen", json={"users": [_user("alice-real-id")]}, headers={"X-API-Key": key})
    assert again.json()["results"][0]["id"] == rid  # stable for one salt


def test_batch_streams_json_lines(make_client, key, sample):
    client = make_client(batch_chunk=5)
    users = [u.to_dict() for u in sample.users[:12]]
    r = client.post("/v1/screen/batch", json={"users": users}, headers={"X-API-Key": key})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert lines[0]["disclaimer"] == DISCLAIMER and lines[0]["n_users"] == 12
    assert [x["id"] for x in lines[1:-1]] == [u["user_id"] for u in users]
    assert lines[-1]["summary"]["n_users"] == 12
    # canonical JSON Lines in, with an error naming the line
    ndjson = "\n".join(json.dumps(u) for u in users[:3]).encode()
    r = client.post("/v1/screen/batch", content=ndjson, headers={"X-API-Key": key,
                                                                 "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200 and len(r.text.splitlines()) == 5
    bad = ndjson + b'\n{"user_id": "z", "posts": [{"text": null}]}'
    r = client.post("/v1/screen/batch", content=bad, headers={"X-API-Key": key,
                                                              "Content-Type": "application/x-ndjson"})
    assert r.status_code == 422 and r.json()["field"] == "line 4: posts[0].text"


def test_batch_user_limit(make_client, key, sample):
    client = make_client(max_batch_users=3)
    r = client.post("/v1/screen/batch", json={"users": [u.to_dict() for u in sample.users[:4]]},
                    headers={"X-API-Key": key})
    assert r.status_code == 422 and r.json()["field"] == "users"


def test_model_card_health_and_openapi(make_client, key):
    client = make_client()
    card = client.get("/v1/model", headers={"X-API-Key": key}).json()
    assert card["name"] == "tfidf-lr" and card["input_level"] == "any" and card["classes"] == [0, 1]
    assert card["training_data"]["n_items"] == 48 and card["training_data"]["data"] == "synthetic"
    assert card["disclaimer"] == DISCLAIMER and card["limits"]["max_chars_per_post"] == 5000
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").json()["status"] == "ready"
    schema = client.get("/openapi.json").json()
    assert {"/v1/screen", "/v1/screen/batch", "/v1/model", "/healthz", "/readyz"} <= set(schema["paths"])
    assert {"ScreenRequest", "ScreenResponse", "UserIn", "PostIn", "ErrorResponse", "ModelCard"} <= set(
        schema["components"]["schemas"])


def test_cors_is_off_unless_configured(make_client, key):
    pre = {"Origin": "https://example.org", "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "X-API-Key"}
    off = make_client().options("/v1/screen", headers=pre)
    assert "access-control-allow-origin" not in off.headers
    on = make_client(cors_origins=["https://example.org"])
    r = on.options("/v1/screen", headers=pre)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://example.org"
    r = on.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": key, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_page_is_served_with_a_strict_content_security_policy(make_client):
    client = make_client()
    r = client.get("/")
    assert r.status_code == 200 and "depscreen review page" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "http" not in r.text.split("<body>")[0].replace("http-equiv", "")  # no CDN
    assert client.get("/static/viewer.js").status_code == 200
    assert client.get("/static/viewer.css").status_code == 200


class SlowModel:
    """A fitted stand-in that takes too long (for the timeout)."""

    input_level = "any"
    classes_ = np.array([0, 1])

    def __init__(self, delay):
        self.delay = delay

    def _forward(self, X, *, explain=False, top_k=5):
        from depscreen.models.base import Forward

        time.sleep(self.delay)
        proba = np.tile([0.5, 0.5], (len(X), 1))
        exps = [{"prediction": 0, "score": 0.5}] * len(X) if explain else None
        return Forward(np.zeros(len(X), int), proba, proba[:, 1], exps)


def test_504_when_scoring_takes_longer_than_the_timeout(key_file, key):
    from fastapi.testclient import TestClient

    from depscreen.serve import Settings, create_app

    app = create_app(SlowModel(0.0), Settings(keys_file=key_file[0], timeout_s=0.3))
    app.state.service.model.delay = 1.5
    r = TestClient(app).post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": key})
    assert r.status_code == 504 and "longer than" in r.json()["error"]


def test_a_model_error_is_a_json_500_without_traceback(key_file, key, caplog):
    from fastapi.testclient import TestClient

    from depscreen.serve import Settings, create_app

    class Broken(SlowModel):
        def _forward(self, X, *, explain=False, top_k=5):
            raise RuntimeError(f"bad input {X[0]}")

    app = create_app(Broken(0.0), Settings(keys_file=key_file[0]), warm_up=False)
    r = TestClient(app).post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": key})
    assert r.status_code == 500 and r.json()["error"].startswith("invalid request: body: the model could not")
    assert "Traceback" not in r.text and SECRET_TEXT not in r.text
    assert SECRET_TEXT not in _all_log_text(caplog)


def test_serving_needs_keys_unless_told_otherwise(model_dir):
    from depscreen.serve import Settings, create_app

    with pytest.raises(ValueError, match="no key file"):
        create_app(model_dir, Settings())
    app = create_app(model_dir, Settings(allow_no_keys=True))
    from fastapi.testclient import TestClient

    assert TestClient(app).post("/v1/screen", json={"users": [_user()]}).status_code == 200


def test_a_client_that_keeps_sending_wrong_keys_is_refused_before_hashing(make_client, key_file):
    """Finding 6 (issue 20): the wrong-key limit counts per address and key id, so the
    valid keys behind one address keep working while one key's secret is being guessed."""
    client = make_client(failed_keys_per_minute=6, failed_keys_burst=3)
    alice, bob = key_file[1]["alice"], key_file[1]["bob"]
    assert client.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": alice}).status_code == 200
    wrong = alice[:-3] + ("abc" if not alice.endswith("abc") else "xyz")
    codes = [client.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": wrong}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    r = client.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": wrong})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1 and r.json()["field"] == "X-API-Key"
    # bob's key (another key id) and alice's own key (verified before: no hash needed) still work
    assert client.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": bob}).status_code == 200
    assert client.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": alice}).status_code == 200
    # guessing bob's secret is counted apart from alice's
    wrong_bob = bob[:-3] + ("abc" if not bob.endswith("abc") else "xyz")
    assert client.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": wrong_bob}).status_code == 401
    # made-up key ids share one budget per address (rotating them gains nothing)
    made_up = [f"dsk_{i:012x}_{'A' * 43}" for i in range(5)]
    codes = [client.post("/v1/screen", json={"users": [_user()]}, headers={"X-API-Key": k}).status_code
             for k in made_up]
    assert codes == [401, 401, 401, 429, 429]
    assert len(client.app.state.service.failures._buckets) == 3  # alice's id, bob's id, made-up ids


class PostIdModel(SlowModel):
    """Explains with every post's id (as attention models do)."""

    def _forward(self, X, *, explain=False, top_k=5):
        out = super()._forward(X, explain=False)
        if explain:
            out.explanations = [{"prediction": 0, "score": 0.5, "user_id": u.user_id,
                                 "posts": [{"index": j, "id": p.id, "time": p.time, "weight": 1.0 / len(u.posts),
                                            "used": True} for j, p in enumerate(u.posts)]} for u in X]
        return out


def test_pseudonymise_hashes_post_ids_that_carry_the_user_id(key_file, key):
    from fastapi.testclient import TestClient

    from depscreen.serve import Settings, create_app

    user = {"user_id": "realname", "posts": [{"id": "realname-001", "text": "a"}, {"text": "b"}]}
    plain = TestClient(create_app(PostIdModel(0.0), Settings(keys_file=key_file[0])))
    exp = plain.post("/v1/screen", json={"users": [user]}, headers={"X-API-Key": key}).json()["results"][0]
    assert exp["explanation"]["posts"][0]["id"] == "realname-001" and "user_id" not in exp["explanation"]
    hashed = TestClient(create_app(PostIdModel(0.0), Settings(keys_file=key_file[0], pseudonymise=True)))
    r = hashed.post("/v1/screen", json={"users": [user]}, headers={"X-API-Key": key})
    assert "realname" not in r.text
    posts = r.json()["results"][0]["explanation"]["posts"]
    assert posts[0]["id"].startswith("p_") and posts[1]["id"] is None


def test_forwarded_for_counts_only_from_a_named_proxy(make_client, key):
    """Finding 6 (issue 20): X-Forwarded-For is ignored unless forwarded_allow_ips names the
    proxy; with it, each forwarded client has its own wrong-key budget."""
    wrong = key[:-3] + ("abc" if not key.endswith("abc") else "xyz")

    def codes(client):
        return [client.post("/v1/screen", json={"users": [_user()]},
                            headers={"X-API-Key": wrong, "X-Forwarded-For": f"10.1.0.{i}"}).status_code
                for i in range(5)]

    assert codes(make_client(failed_keys_per_minute=6, failed_keys_burst=3)) == [401, 401, 401, 429, 429]
    # the TestClient's peer address is the literal 'testclient': trusted as the proxy here
    behind_proxy = make_client(failed_keys_per_minute=6, failed_keys_burst=3, forwarded_allow_ips=["testclient"])
    assert codes(behind_proxy) == [401] * 5


def test_batch_results_carry_languages_and_explanations_when_asked(make_client, key, sample):
    """Finding 10 (issue 20, README): batch results had languages and explanations null."""
    client = make_client()
    users = [u.to_dict() for u in sample.users[:3]]
    ndjson = "\n".join(json.dumps(u) for u in users).encode()
    headers = {"X-API-Key": key, "Content-Type": "application/x-ndjson"}
    plain = [json.loads(x) for x in client.post("/v1/screen/batch", content=ndjson, headers=headers).text.splitlines()]
    assert plain[1]["languages"] is None and plain[1]["explanation"] is None
    r = client.post("/v1/screen/batch?explain=true&languages=true&top_k=2", content=ndjson, headers=headers)
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert r.status_code == 200 and len(lines) == 5
    for line, user in zip(lines[1:-1], users):
        assert len(line["languages"]) == len(user["posts"]) and all(line["languages"])
        assert [lang for lang, p in zip(line["languages"], user["posts"]) if p.get("lang")] == [
            p["lang"] for p in user["posts"] if p.get("lang")]
        assert line["explanation"]["prediction"] == line["prediction"] and len(line["explanation"]["top_posts"]) <= 2
    # the same from a JSON body, and the query wins over the body
    r = client.post("/v1/screen/batch?languages=false", json={"users": users, "explain": True, "languages": True},
                    headers={"X-API-Key": key})
    first = json.loads(r.text.splitlines()[1])
    assert first["explanation"] is not None and first["languages"] is None
    bad = client.post("/v1/screen/batch?explain=maybe", content=ndjson, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "query.explain"
