"""Property-based fuzzing of the service (issue 20, "No 5xx from any input").

Two generators, at least 2,000 requests together, every one answered in-process through
the ASGI app with the session's tiny tfidf-lr model:

* Schemathesis reads the service's own OpenAPI schema and generates requests for every
  operation, valid ones and ones that break the schema (wrong types, missing fields,
  bad query values, bodies of the wrong media type);
* a Hypothesis strategy builds bodies of the canonical shape from hostile parts: lone
  surrogates, control characters, ANSI escapes, very long ids, huge numbers, deep
  nesting, unknown fields, odd content types, bytes that are not UTF-8.

Each answer must be below 500 and, when it is an error, in the one error shape; no log
record may carry a traceback, and every service log line must be one JSON object.
Hypothesis runs derandomised (the same requests on every run), so CI is reproducible.
"""

from __future__ import annotations

import json
import logging

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="the fuzz test needs schemathesis (pip install -e .[dev])")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SCHEMA_EXAMPLES = 600
HOSTILE_EXAMPLES = 1_400
MIN_REQUESTS = 2_000
FUZZ = settings(deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck),
                print_blob=False)


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value).encode()


@pytest.fixture(scope="module")
def fuzz_app(model_dir, key_file):
    from depscreen.serve import Settings, create_app

    return create_app(model_dir, Settings(keys_file=key_file[0], rate_limit=0, failed_keys_per_minute=0))


@pytest.fixture(scope="module")
def tally():
    counts: dict[tuple[str, int], int] = {}
    yield counts
    assert sum(counts.values()) >= MIN_REQUESTS, f"only {sum(counts.values())} fuzz requests were made"


def _check(status: int, body: bytes, where: str, what) -> None:
    assert status < 500, f"{where}: {status} {body[:300]!r} for {str(what)[:300]}"
    if status >= 400:
        err = json.loads(body)
        assert set(err) == {"error", "field", "detail"}, (where, err)
        assert b"Traceback" not in body


def _check_log(records) -> None:
    for rec in records:
        assert rec.exc_info is None, rec.getMessage()[:300]
        message = rec.getMessage()
        assert "Traceback" not in message, message[:300]
        if rec.name == "depscreen.serve":
            assert "\n" not in message and isinstance(json.loads(message), dict)


def test_schema_driven_fuzz_never_gives_a_5xx(fuzz_app, key, tally, caplog):
    caplog.set_level(logging.INFO)
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    operations = [op.ok() for op in schema.get_all_operations()]
    assert {"POST /v1/screen", "POST /v1/screen/batch", "GET /v1/model"} <= {op.label for op in operations}
    cases = st.sampled_from([(op, mode) for op in operations for mode in schemathesis.GenerationMode]).flatmap(
        lambda pair: pair[0].as_strategy(generation_mode=pair[1]))

    @settings(FUZZ, max_examples=SCHEMA_EXAMPLES)
    @given(cases)
    def run(case):
        # the key is always right: the fuzz is about bodies, queries and headers
        case.headers = {**(case.headers or {}), "X-API-Key": key}
        response = case.call()
        tally[(case.operation.label, response.status_code)] = tally.get((case.operation.label,
                                                                          response.status_code), 0) + 1
        _check(response.status_code, response.content, case.operation.label, case.body)

    run()
    _check_log(caplog.records)
    assert any(status == 200 for (label, status) in tally if label == "POST /v1/screen")
    assert any(status == 422 for (label, status) in tally if label == "POST /v1/screen")


# ------------------------------------------------------------------ hostile parts
HOSTILE_CHARS = st.characters(codec=None, categories=("L", "N", "P", "Zs", "Cc", "Cf", "Cs", "So"))
hostile_text = st.one_of(
    st.text(HOSTILE_CHARS, max_size=40),
    st.sampled_from(["u1\nrequest id=FORGED status=200", "\x1b[31mred\x1b[0m", "\ud800", "a\udfffb", "\u2028",
                     "\x00", "x" * 300, "", " ", "é" * 5]),
)
number = st.one_of(st.integers(), st.sampled_from([10**120, -(10**120), 0]), st.floats(allow_nan=False))
leaf = st.one_of(st.none(), st.booleans(), number, hostile_text)
anything = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner,
                                                                                            max_size=3),
                        max_leaves=8)
post = st.fixed_dictionaries({"text": st.one_of(hostile_text, anything)},
                             optional={"time": anything, "id": anything, "lang": anything, "label": anything,
                                       "extra": anything})
user = st.fixed_dictionaries({"user_id": st.one_of(hostile_text, number, anything),
                              "posts": st.one_of(st.lists(post, max_size=4), anything)},
                             optional={"label": anything, "meta": anything})
body = st.one_of(
    st.fixed_dictionaries({"users": st.lists(user, max_size=3)},
                          optional={"explain": anything, "top_k": number, "languages": anything, "posts": anything}),
    st.fixed_dictionaries({"posts": st.lists(st.one_of(hostile_text, post), max_size=3)}),
    anything,
)


def _raw(obj, nest: int) -> bytes:
    text = json.dumps(obj)  # escapes lone surrogates as \\ud800, as a client would send them
    if nest:
        text = '{"users": ' + "[" * nest + text + "]" * nest + "}"
    return text.encode()


requests = st.tuples(
    st.sampled_from(["/v1/screen", "/v1/screen/batch", "/v1/prevalence"]),
    body,
    st.sampled_from([0, 0, 0, 0, 3, 70, 3000]),
    st.sampled_from(["application/json"] * 6 + ["application/x-ndjson", "text/plain", "text/html", "",
                                                 "application/json; charset=latin-1", "multipart/form-data"]),
    st.sampled_from([b"", b"", b"", b"\xff\xfe", b"\n\n"]),
)


def test_hostile_bodies_never_give_a_5xx(fuzz_app, key, tally, caplog):
    from fastapi.testclient import TestClient

    caplog.set_level(logging.INFO)
    client = TestClient(fuzz_app, raise_server_exceptions=True)

    @settings(FUZZ, max_examples=HOSTILE_EXAMPLES)
    @given(requests)
    def run(req):
        path, obj, nest, ctype, junk = req
        raw = _raw(obj, nest) + junk
        if ctype == "application/x-ndjson" and isinstance(obj, dict) and isinstance(obj.get("users"), list):
            raw = b"\n".join(json.dumps(u).encode() for u in obj["users"]) + junk
        headers = {"X-API-Key": key} | ({"Content-Type": ctype} if ctype else {})
        response = client.post(path, content=raw, headers=headers)
        tally[(path, response.status_code)] = tally.get((path, response.status_code), 0) + 1
        _check(response.status_code, response.content, path, raw)

    run()
    _check_log(caplog.records)
