"""The review page in a real browser: Playwright driving the system Chromium.

Skipped, with the reason, when the ``playwright`` package or the Debian ``chromium``
package is missing (.ci/run installs chromium; ``playwright install`` is never run).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str:
    for path in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or ""):
        if path and Path(path).exists():
            return path
    pytest.skip("system Chromium not found: install the Debian package (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed "
                                                                 "(pip install playwright)")
    executable = _chromium()
    with sync_api.sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        except Exception as exc:  # noqa: BLE001 - a browser that cannot start is a skip, with its reason
            pytest.skip(f"Chromium at {executable} did not start: {type(exc).__name__}: {str(exc)[:200]}")
        yield b
        b.close()


TIMELINE = [
    {"text": "cannot sleep again, I feel so tired and hopeless", "time": "2024-03-01T02:10:00"},
    {"text": "nice walk in the park with friends today", "time": "2024-03-02T10:00:00"},
    {"text": "好累，什么都不想做，没有意义", "time": "2024-03-03T23:00:00"},
    {"text": "capek banget, tidak bisa tidur lagi", "time": "2024-03-04T01:00:00"},
    {"text": "watching the match tonight <b>go team</b>", "time": "2024-03-05T20:00:00"},
]


def test_paste_screen_read_score_top_post_and_hide_text(browser, live_server, key, tmp_path):
    import httpx

    expected = httpx.post(f"{live_server}/v1/screen", headers={"X-API-Key": key}, timeout=30,
                          json={"users": [{"user_id": "pasted timeline", "posts": TIMELINE}], "top_k": 50}).json()
    exp = expected["results"][0]
    top_index = max(exp["explanation"]["top_posts"], key=lambda p: p["weight"])["index"]

    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server + "/")
    page.fill("#api-key", key)
    page.fill("#timeline", "\n".join(json.dumps(p, ensure_ascii=False) for p in TIMELINE))
    page.click("#screen")
    page.wait_for_selector("#score", timeout=20000)
    assert float(page.inner_text("#score")) == pytest.approx(exp["score"], abs=1e-3)
    assert "not a diagnos" in page.inner_text("#result")
    top_rows = page.query_selector_all("tr.top")
    assert 1 <= len(top_rows) <= 3
    assert top_rows[0].get_attribute("data-index") is not None
    highlighted = {int(r.get_attribute("data-index")) for r in top_rows}
    assert top_index in highlighted
    top_text = page.inner_text(f"tr.top[data-index='{top_index}'] .post-text")
    assert top_text == TIMELINE[top_index]["text"]
    # languages per post, markup shown as text (never run), words coloured
    langs = [e.inner_text() for e in page.query_selector_all("table.timeline .lang")]
    assert langs == ["en", "en", "zh", "id", "en"]
    assert "<b>go team</b>" in page.inner_text("tr[data-index='4'] .post-text")
    assert page.query_selector_all(".tok"), "no word was coloured by its contribution"
    page.screenshot(path=str(tmp_path / "screened.png"), full_page=True)
    # hide text for screen sharing
    page.check("#hide-text")
    assert not page.is_visible(f"tr[data-index='{top_index}'] .post-text")
    assert page.is_visible(f"tr[data-index='{top_index}'] .hidden-text")
    assert float(page.inner_text("#score")) == pytest.approx(exp["score"], abs=1e-3)
    page.screenshot(path=str(tmp_path / "hidden.png"), full_page=True)
    assert (tmp_path / "screened.png").stat().st_size > 1000
    # a wrong key: the JSON error is shown, not a stack trace
    page.uncheck("#hide-text")
    page.fill("#api-key", "dsk_wrong")
    page.evaluate("sessionStorage.clear()")
    page.fill("#timeline", "one post per line\nanother post")
    page.click("#screen")
    page.wait_for_selector("#status.error", timeout=10000)
    assert "valid API key" in page.inner_text("#status")
    assert not errors, errors


def test_plain_lines_and_the_mil_explain_page_open_in_the_same_viewer(browser, live_server, key, tmp_path, sample):
    from depscreen.evaluate.explain import user_timeline_html

    user = sample.users[0]
    n = len(user.posts)
    weights = [(i + 1) / n for i in range(n)]
    explanation = {"prediction": 1, "score": 0.83, "posts": [
        {"index": i, "id": None, "time": p.time, "weight": weights[i], "used": True} for i, p in enumerate(user.posts)],
        "top_posts": [{"index": i, "weight": weights[i]} for i in range(n - 1, n - 4, -1)]}
    mil_page = tmp_path / "user.html"
    mil_page.write_text(user_timeline_html(user, explanation, redact=False), encoding="utf-8")

    page = browser.new_page()
    page.goto(live_server + "/")
    page.set_input_files("#file", str(mil_page))
    page.wait_for_selector("#score", timeout=10000)
    assert page.inner_text("#score") == "0.830"
    assert {int(r.get_attribute("data-index")) for r in page.query_selector_all("tr.top")} == {n - 1, n - 2, n - 3}
    assert page.inner_text(f"tr[data-index='{n - 1}'] .post-text") == user.posts[n - 1].text
    page.screenshot(path=str(tmp_path / "mil-explain.png"), full_page=True)

    # mil explain's explanations.json (weights and ids, no text) opens too
    doc = tmp_path / "explanations.json"
    doc.write_text(json.dumps({"disclaimer": "d", "model": "m", "users": [{**explanation, "user_id": "u-7"}]}))
    page.set_input_files("#file", str(doc))
    page.wait_for_selector("#user-view h2:has-text('User u-7')", timeout=10000)
    assert page.inner_text("#score") == "0.830"
    assert "(text not in this file)" in page.inner_text("table.timeline")

    # one post per line (Chinese and Indonesian too)
    page.fill("#api-key", key)
    page.fill("#timeline", "好累，什么都不想做\ncapek banget hari ini\ncannot sleep again")
    page.click("#screen")
    page.wait_for_selector("#status:has-text('screened')", timeout=20000)
    assert len(page.query_selector_all("table.timeline tr")) == 4  # header + 3 posts
    assert [e.inner_text() for e in page.query_selector_all("table.timeline .lang")] == ["zh", "id", "en"]


def test_a_saved_view_opens_from_disk_without_a_server(browser, tmp_path, sample, model_dir):
    import depscreen
    from depscreen.serve.viewer import view_from_predictions, write_view_html

    model = depscreen.load(model_dir)
    users = sample.users[:3]
    preds = depscreen.score(model, users, explain=True, top_k=50)
    path = write_view_html(tmp_path / "screening.html", view_from_predictions(users, preds))
    page = browser.new_page()
    page.goto(path.as_uri())
    page.wait_for_selector("#score", timeout=10000)
    assert float(page.inner_text("#score")) == pytest.approx(float(preds.scores[0]), abs=1e-3)
    assert len(page.query_selector_all(".users tr")) == 4  # header + 3 users
    page.click(".users tr[data-index='2']")
    assert page.inner_text("#user-view h2") == f"User {users[2].user_id}"
    assert not page.is_visible("#input")
