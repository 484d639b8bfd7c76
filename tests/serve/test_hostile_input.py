"""Issue 20 findings 3, 4 and 8: hostile input gets a 4xx in one JSON error shape naming
the field, on every endpoint, and never a 5xx, a traceback or a forged log line."""

from __future__ import annotations

import json
import logging

import pytest

SHAPE = {"error", "field", "detail"}


@pytest.fixture
def client(model_dir, key_file):
    from fastapi.testclient import TestClient

    from depscreen.serve import Settings, create_app

    app = create_app(model_dir, Settings(keys_file=key_file[0]))
    return TestClient(app, raise_server_exceptions=False)


def _post(client, key, path, raw: bytes | str, ctype="application/json"):
    raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    return client.post(path, content=raw, headers={"X-API-Key": key, "Content-Type": ctype})


def _shape(r, status, field):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == SHAPE, body
    assert body["field"] == field, body
    assert body["detail"] and body["detail"][0]["field"] == field
    if status in (415, 422):
        assert field in body["error"]
    assert "Traceback" not in r.text


def _no_traceback(caplog):
    for rec in caplog.records:
        assert rec.exc_info is None and "Traceback" not in rec.getMessage(), rec.getMessage()[:300]


def _user(uid="u1", text="fine day", **post):
    return {"user_id": uid, "posts": [{"text": text, **post}]}


# json.dumps writes a lone surrogate as the escape \ud800, as a client would send it
@pytest.mark.parametrize("body, field", [
    ({"users": [_user("u\ud800")]}, "users[0].user_id"),
    ({"users": [_user(lang="e\udc00n")]}, "users[0].posts[0].lang"),
    ({"users": [_user(text="so \ud83d tired")]}, "users[0].posts[0].text"),
    ({"users": [_user(id="p\ud800")]}, "users[0].posts[0].id"),
    ({"posts": ["alone \udfff"]}, "posts[0]"),
])
def test_finding_3_lone_surrogates_are_a_422_naming_the_field(client, key, caplog, body, field):
    caplog.set_level(logging.INFO)
    r = _post(client, key, "/v1/screen", json.dumps(body))
    _shape(r, 422, field)
    assert "surrogate" in r.json()["error"]
    if "users" in body:  # the batch endpoint answers the same
        _shape(_post(client, key, "/v1/screen/batch", json.dumps(body)), 422, field)
        ndjson = json.dumps(body["users"][0])
        _shape(_post(client, key, "/v1/screen/batch", ndjson, "application/x-ndjson"), 422,
               "line 1: " + field.removeprefix("users[0]."))
    _no_traceback(caplog)


FORGED = "u1\nrequest id=FORGED GET /admin status=200"


@pytest.mark.parametrize("uid", [FORGED, "u1\x1b[31mred\x1b[0m", "u1\rx", "u\u2028x", "u\x00"])
def test_finding_4_control_characters_in_ids_are_refused(client, key, uid):
    _shape(_post(client, key, "/v1/screen", json.dumps({"users": [_user(uid)]})), 422, "users[0].user_id")
    _shape(_post(client, key, "/v1/screen", json.dumps({"users": [_user(id=uid)]})), 422, "users[0].posts[0].id")


def test_finding_4_user_id_is_capped_and_never_echoed_whole(client, key, caplog):
    from depscreen.serve.schemas import MAX_ID_CHARS

    caplog.set_level(logging.INFO)
    r = _post(client, key, "/v1/screen", json.dumps({"users": [_user("x" * 900_000)]}))
    _shape(r, 422, "users[0].user_id")
    assert str(MAX_ID_CHARS) in r.json()["error"] and len(r.content) < 2_000
    assert max(len(rec.getMessage()) for rec in caplog.records) < 1_000
    ok = _post(client, key, "/v1/screen", json.dumps({"users": [_user("x" * MAX_ID_CHARS)]}))
    assert ok.status_code == 200 and ok.json()["results"][0]["id"] == "x" * MAX_ID_CHARS


def test_finding_4_every_log_line_is_one_json_object_that_input_cannot_break(client, key, caplog):
    caplog.set_level(logging.DEBUG)
    # names chosen by the client reach the log only escaped: an unknown field, a method
    _post(client, key, "/v1/screen", json.dumps({"users": [_user()], FORGED: 1, "\x1b[2J": 2}))
    _post(client, key, "/v1/screen", json.dumps({"users": [_user(FORGED)]}))
    client.post("/v1/screen", content=b"{}", headers={"X-API-Key": "dsk_" + "\x1b" * 10})
    client.get("/no/such/%1b%1b%0aFORGED")  # the decoded path holds ESC and a newline
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "depscreen.serve"]
    assert len(lines) >= 4
    for line in lines:
        assert "\n" not in line and "\r" not in line and "\x1b" not in line
        record = json.loads(line)
        assert record["event"]
        assert not any(v == "FORGED" for v in record.values())
    routes = {json.loads(x)["route"] for x in lines if json.loads(x)["event"] == "request"}
    assert routes == {"/v1/screen", "unmatched"}  # route templates, never the raw path


DEEP = '{"users": ' + "[" * 5_000 + "]" * 5_000 + "}"
DIGITS = "9" * 5_000


@pytest.mark.parametrize("path", ["/v1/screen", "/v1/screen/batch"])
def test_finding_8_deep_nesting_and_huge_numbers_are_a_422_naming_the_field(client, key, caplog, path):
    caplog.set_level(logging.INFO)
    _shape(_post(client, key, path, DEEP), 422, "body")
    mid = '{"users": [' + '{"user_id": "u", "posts": [{"text": "a", "x": ' + "[" * 70 + "]" * 70 + "}]}]}"
    _shape(_post(client, key, path, mid), 422, "body")
    users = json.dumps([_user()])
    _shape(_post(client, key, path, f'{{"users": {users}, "top_k": {DIGITS}}}'), 422, "top_k")
    _shape(_post(client, key, path, f'{{"users": [{{"user_id": {DIGITS}, "posts": [{{"text": "a"}}]}}]}}'),
           422, "users[0].user_id")
    _shape(_post(client, key, path, f'{{"users": {users}, "top_k": 1e{DIGITS}}}'), 422, "top_k")
    _shape(_post(client, key, path, f'{{"users": {users}, "top_k": NaN}}'), 422, "body")
    _shape(_post(client, key, path, b'{"users": [\xff]}'), 422, "body")
    _no_traceback(caplog)


@pytest.mark.parametrize("path", ["/v1/screen", "/v1/screen/batch"])
@pytest.mark.parametrize("ctype", ["text/html", "application/xml", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", None])
def test_finding_8_a_wrong_content_type_is_a_415(client, key, path, ctype):
    raw = json.dumps({"users": [_user()]}).encode()
    headers = {"X-API-Key": key} | ({"Content-Type": ctype} if ctype else {})
    r = client.post(path, content=raw, headers=headers)
    _shape(r, 415, "Content-Type")
    assert "application/json" in r.json()["error"]


def test_the_key_is_checked_before_the_body_is_read(client):
    # no key: 401 whatever the body is (nothing is parsed for an unknown client)
    for raw, ctype in ((DEEP, "application/json"), ("x", "text/html"), ("{", "application/json")):
        r = client.post("/v1/screen", content=raw, headers={"Content-Type": ctype})
        _shape(r, 401, "X-API-Key")


def test_not_found_and_wrong_method_use_the_same_shape(client, key):
    _shape(client.get("/nope"), 404, "path")
    _shape(client.get("/v1/screen", headers={"X-API-Key": key}), 405, "method")
    _shape(client.post("/v1/model", headers={"X-API-Key": key}), 405, "method")


def test_an_unexpected_error_is_a_json_500_without_traceback(key_file, key, caplog):
    """The last guard: a bug anywhere still answers in the one shape and logs the type only."""
    from fastapi.testclient import TestClient

    from depscreen.serve import Settings, create_app

    class Exploding:
        input_level = "any"
        classes_ = [0, 1]

        def _forward(self, X, **kw):
            raise AssertionError("never")

    app = create_app(Exploding(), Settings(keys_file=key_file[0]), warm_up=False)
    app.state.service.results = lambda *a, **k: 1 / 0  # a bug after scoring, outside the scoring guard
    app.state.service.run_scoring = _fake_scoring
    caplog.set_level(logging.INFO)
    r = TestClient(app, raise_server_exceptions=False).post(
        "/v1/screen", json={"users": [_user(text="secret words")]}, headers={"X-API-Key": key})
    assert r.status_code == 500 and set(r.json()) == SHAPE and "ZeroDivisionError" in r.text
    line = [json.loads(x.getMessage()) for x in caplog.records if x.getMessage().startswith('{"event":"request"')]
    assert line[-1]["status"] == 500 and line[-1]["exception"] == "ZeroDivisionError"
    _no_traceback(caplog)
    assert "secret words" not in "\n".join(x.getMessage() for x in caplog.records)


async def _fake_scoring(fn, *args):
    return {"preds": None, "n_posts": [1], "langs": None}
