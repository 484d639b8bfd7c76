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
    # the model card names the risk class; weights read toward risk, whatever the prediction
    card = httpx.get(f"{live_server}/v1/model", headers={"X-API-Key": key}, timeout=30).json()
    assert card["classes"] == [0, 1] and card["risk_class"] == 1
    sign = 1 if exp["prediction"] == 1 else -1
    assert "toward risk (1)" in page.inner_text("#legend")
    shown = {int(r.get_attribute("data-index")): float(r.query_selector(".c-weight").get_attribute("data-weight"))
             for r in page.query_selector_all("table.timeline tr[data-index]")}
    assert shown == pytest.approx({p["index"]: sign * p["weight"] for p in exp["explanation"]["top_posts"]})
    assert {e.get_attribute("data-d")[:1] == "-" for e in page.query_selector_all(".tok")} == {sign < 0}
    page.screenshot(path=str(tmp_path / "screened.png"), full_page=True)
    for w in WIDTHS:  # the input form and the result fit a desktop and a phone window
        page.set_viewport_size({"width": w, "height": 900})
        _no_page_growth(page)
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


# ---------------------------------------------------------------------- a page that tells the truth
# Issue 20, finding 9: bars from a zero line with their sign, colours that say "toward risk"
# or "away from it" (explanations point toward the *predicted* class), character n-grams
# inside their words, long text that wraps, scores near 0 or 1 never rounded to certainty.
# Each is checked on the rendered page in Chromium at a desktop and a phone width.

WIDTHS = [1280, 400]
MINUS = "\u2212"


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def width(request):
    return request.param


def _open(browser, path: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(5000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("#score", timeout=10000)
    return page, errors


def _show(browser, tmp_path, view, width, name="view.html"):
    from depscreen.serve.viewer import write_view_html

    return _open(browser, write_view_html(tmp_path / name, view), width)


def _no_page_growth(page):
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert max(sizes[:2]) <= sizes[2], f"the page is {sizes[0]} px wide in a {sizes[2]} px window"


def _rgb(css: str) -> tuple[int, int, int]:
    nums = [float(x) for x in css[css.index("(") + 1:css.index(")")].split(",")]
    return int(nums[0]), int(nums[1]), int(nums[2])


def _hand_view(posts, explanation, *, score, prediction, probabilities=None, classes=(0, 1), user_id="u-1"):
    """A view of one user with an explanation shaped like depscreen-default's."""
    from depscreen.corpus import Post, User
    from depscreen.serve.viewer import risk_class, user_view

    user = User(user_id, None, [Post(t, time=f"2024-03-{i + 1:02d}T10:00:00", id=f"p{i}") for i, t in enumerate(posts)])
    return {"depscreen_view": 1, "disclaimer": "a screening and research tool, not a diagnosis", "model": "m",
            "source": "test", "classes": list(classes), "risk_class": risk_class(list(classes)),
            "users": [user_view(user, explanation, score=score, prediction=prediction, probabilities=probabilities)]}


def _bars(page):
    """Per timeline row: the weight cell's data, its text and the geometry of box, zero line, bar."""
    return page.evaluate("""() => [...document.querySelectorAll('table.timeline tr[data-index]')].map(tr => {
        const cell = tr.querySelector('.c-weight'), box = cell.querySelector('.barbox'),
              zero = box.querySelector('.zero'), bar = box.querySelector('.bar');
        const r = e => { if (!e) return null; const b = e.getBoundingClientRect();
                         return {x: b.x, w: b.width, right: b.right}; };
        return {index: +tr.dataset.index, weight: cell.dataset.weight === undefined ? null : +cell.dataset.weight,
                direction: cell.dataset.direction || null, text: cell.querySelector('.weight').textContent,
                box: r(box), zero: r(zero), bar: r(bar),
                colour: bar ? getComputedStyle(bar).backgroundColor : null};
    })""")


def _check_signed_bars(rows, expected: dict[int, float]):
    """Bars from the zero line in the box's middle, left for negative, right for positive,
    |w| / max |w| of the half box long, the sign written."""
    top = max(abs(w) for w in expected.values())
    for row in rows:
        w = expected[row["index"]]
        assert row["weight"] == pytest.approx(w, abs=1e-9), row
        half = row["box"]["w"] / 2
        zero_x = row["box"]["x"] + half
        assert row["zero"]["x"] == pytest.approx(zero_x, abs=1.0)
        assert row["bar"]["w"] == pytest.approx(half * abs(w) / top, abs=1.0), row
        if w < 0:
            assert row["bar"]["right"] == pytest.approx(zero_x, abs=1.0), row
            assert row["text"].startswith(MINUS) and row["direction"] == "dir-away", row
        else:
            assert row["bar"]["x"] == pytest.approx(zero_x, abs=1.0), row
            assert row["text"].startswith("+") and row["direction"] == "dir-risk", row
        assert float(row["text"].replace(MINUS, "-")) == pytest.approx(w, abs=6e-4)


def test_weights_are_signed_bars_from_a_zero_line(browser, tmp_path, width):
    posts = ["cannot sleep again", "nice walk in the park", "watching the match", "long day at work"]
    # toward the predicted class (1, the risk class): as they are
    exp = {"prediction": 1, "score": 0.64, "top_features": [],
           "top_posts": [{"index": 0, "weight": 0.412}, {"index": 3, "weight": 0.2},
                         {"index": 2, "weight": -0.071}, {"index": 1, "weight": -0.3}]}
    page, errors = _show(browser, tmp_path, _hand_view(posts, exp, score=0.64, prediction=1), width)
    rows = _bars(page)
    _check_signed_bars(rows, {0: 0.412, 3: 0.2, 2: -0.071, 1: -0.3})
    small = next(r for r in rows if r["index"] == 2)
    assert small["text"] == MINUS + "0.071"
    assert small["bar"]["w"] < 0.1 * small["box"]["w"], "a weight of -0.071 next to 0.412 is a short bar"
    assert _rgb(next(r for r in rows if r["index"] == 0)["colour"])[0] > 150   # toward risk: the red hue
    assert _rgb(small["colour"])[2] > _rgb(small["colour"])[0]                  # away from it: the blue hue
    _no_page_growth(page)

    # predicted "not depressed" (0): the weights point toward 0, so every sign flips
    exp0 = {**exp, "prediction": 0, "score": 0.31}
    page, errors0 = _show(browser, tmp_path, _hand_view(posts, exp0, score=0.31, prediction=0), width, "zero.html")
    _check_signed_bars(_bars(page), {0: -0.412, 3: -0.2, 2: 0.071, 1: 0.3})
    assert "pushed most toward the prediction (0, away from risk)" in page.inner_text("#user-view")
    assert not errors and not errors0, errors + errors0


@pytest.fixture(scope="module", params=["depscreen-default", "tfidf-lr"])
def trained(request, sample):
    """A model trained on the synthetic sample (word and character n-grams both), with
    its risk-direction coefficient per feature name, read from the fitted estimator."""
    import numpy as np

    import depscreen

    if request.param == "depscreen-default":
        params = {"embedder": None, "calibration": None}
    else:
        params = {"analyzer": "both", "class_weight": "balanced"}
    model, _ = depscreen.train(request.param, sample, params=params, data="synthetic")
    if request.param == "depscreen-default":
        names = list(model.word_.get_feature_names_out()) + [f"char:{c}" for c in model.char_.get_feature_names_out()]
        coef, classes = model.tfidf_lr_.coef_, list(model.tfidf_lr_.classes_)
    else:
        names, coef, classes = list(model.feature_names_), model.classifier_.coef_, list(model.classifier_.classes_)
    assert coef.shape[0] == 1 and classes == [0, 1]  # one row, pointing to class 1 (the risk class)
    toward_risk = dict(zip(names, np.asarray(coef[0], dtype=float)))
    return model, toward_risk


@pytest.mark.parametrize("which", ["low", "high"])
def test_words_and_posts_are_coloured_toward_or_away_from_risk(browser, tmp_path, sample, trained, which, width):
    import numpy as np

    import depscreen
    from depscreen.serve.viewer import view_from_predictions

    model, toward_risk = trained
    users = sample.users
    preds = depscreen.score(model, users, top_k=5)
    scores, labels = np.asarray(preds.scores), np.asarray(preds.labels)
    want = 0 if which == "low" else 1
    pool = np.flatnonzero(labels == want)
    assert len(pool), f"the model predicts no user as {want} on the synthetic sample"
    i = int(pool[np.argmin(scores[pool])] if which == "low" else pool[np.argmax(scores[pool])])
    user = users[i]
    one = depscreen.score(model, [user], explain=True, top_k=60)
    exp = one.explanations[0]
    assert exp["prediction"] == want
    sign = 1 if want == 1 else -1
    # the explanation points toward the prediction: for a low-risk user, away from risk
    assert exp["top_features"]
    for f in exp["top_features"]:
        assert np.sign(toward_risk[f["feature"]]) == sign, f

    page, errors = _show(browser, tmp_path, view_from_predictions([user], one, languages=False), width)
    away_or_risk = "dir-risk" if sign > 0 else "dir-away"
    legend = page.inner_text("#legend")
    assert "toward risk" in legend and "away from risk" in legend and "not depressed" in legend
    swatches = dict(page.evaluate("""() => [...document.querySelectorAll('#legend .legend-item')].map(
        e => [e.dataset.direction, getComputedStyle(e.querySelector('.swatch')).backgroundColor])"""))
    risk_rgb, away_rgb = _rgb(swatches["dir-risk"]), _rgb(swatches["dir-away"])
    assert risk_rgb[0] > risk_rgb[2] and away_rgb[2] > away_rgb[0], swatches   # a red and a blue: diverging

    painted = page.evaluate("""() => [...document.querySelectorAll('.tok, .feature')].map(e => ({
        text: e.textContent, cls: e.className, d: +e.dataset.d, bg: getComputedStyle(e).backgroundColor}))""")
    assert any("tok" in p["cls"] for p in painted), "no word of the posts was coloured"
    for p in painted:
        assert away_or_risk in p["cls"] and np.sign(p["d"]) == sign, p
        assert _rgb(p["bg"]) == (risk_rgb if sign > 0 else away_rgb), p   # the legend's hue
    chips = [p["text"] for p in painted if "feature" in p["cls"]]
    assert chips and not [c for c in chips if "char" in c], chips

    # every post's bar: the explanation's weight toward the prediction, turned toward risk
    expected = {p["index"]: sign * p["weight"] for p in exp["top_posts"]}
    assert len(expected) == len(user.posts)
    _check_signed_bars(_bars(page), expected)
    _no_page_growth(page)
    assert not errors, errors


def test_character_ngrams_are_shown_inside_their_words(browser, tmp_path, width):
    posts = ["I can't sleep, it is late again", "isn't it odd", "fine day"]
    exp = {"prediction": 1, "score": 0.7, "top_posts": [{"index": 0, "weight": 0.3}],
           "top_features": [{"feature": "sleep", "contribution": 0.05}, {"feature": "char:'t", "contribution": 0.04},
                            {"feature": "char: i", "contribution": 0.03}, {"feature": "char:n't ", "contribution": 0.02},
                            {"feature": "char_wb__ate ", "contribution": 0.01}]}
    page, errors = _show(browser, tmp_path, _hand_view(posts, exp, score=0.7, prediction=1), width)
    chips = [c.inner_text() for c in page.query_selector_all(".feature-list .feature")]
    assert not [c for c in chips if "char" in c or c != c.strip() or c.startswith("'")], chips
    # "'t" and "n't " came from "can't" and "isn't" (2 each of 2 and of 2: half each);
    # " i" (word start) from "i", "it" (twice), "is", "isn't"; "ate " from "late"
    assert {"can't", "isn't", "sleep", "i", "it", "is", "late"} <= set(chips), chips
    titles = {c.inner_text(): c.get_attribute("title") for c in page.query_selector_all(".feature-list .feature")}
    assert "letters inside it" in titles["can't"] and "char" not in titles["can't"]
    # inside the post text: the letters are highlighted where they are, in their words
    marked = page.evaluate("""() => { const out = []; let at = 0;
        for (const n of document.querySelector("tr[data-index='0'] .post-text").childNodes) {
            const len = n.textContent.length;
            if (n.nodeType === 1 && n.classList.contains("tok")) for (let k = at; k < at + len; k++) out.push(k);
            at += len; }
        return out; }""")
    shown = "".join(ch if k in set(marked) else "_" for k, ch in enumerate(posts[0]))
    assert shown == "I___n't_sleep__i__i___ate______", shown  # I can't sleep, it is late again
    assert page.inner_text("tr[data-index='0'] .post-text") == posts[0]

    # weights without text (an explanations file): the letters are shown as part of a word
    doc = tmp_path / "explanations.json"
    doc.write_text(json.dumps({"disclaimer": "d", "model": "m", "users": [{**exp, "user_id": "u-9"}]}))
    page.goto((tmp_path / "view.html").as_uri())
    page.wait_for_selector("#score")
    page.evaluate("""text => { const v = window.depscreenViewer; v.render(v.parseInput(text).view); }""",
                  doc.read_text())
    page.wait_for_selector("#user-view h2:has-text('User u-9')")
    chips = [c.inner_text() for c in page.query_selector_all(".feature-list .feature")]
    assert set(chips) == {"sleep", "\u2026't\u2026", "i\u2026", "\u2026n't", "\u2026ate"}, chips
    _no_page_growth(page)
    assert not errors, errors


def test_long_unbroken_text_and_ids_wrap(browser, tmp_path, width):
    long_post = "a" * 3000
    url_like = "https://example.org/" + "x-" * 800
    posts = [long_post, url_like, "cannot sleep " + "z" * 400]
    exp = {"prediction": 1, "score": 0.6, "top_features": [{"feature": "z" * 200, "contribution": 0.02}],
           "top_posts": [{"index": 0, "weight": 0.2}, {"index": 1, "weight": -0.1}, {"index": 2, "weight": 0.3}]}
    page, errors = _show(browser, tmp_path, _hand_view(posts, exp, score=0.6, prediction=1, user_id="u" * 500), width)
    _no_page_growth(page)
    assert page.inner_text("tr[data-index='0'] .post-text") == long_post
    right = page.evaluate("Math.max(...[...document.querySelectorAll('td, h2, .feature')].map("
                          "e => e.getBoundingClientRect().right))")
    assert right <= width
    assert not errors, errors


def test_scores_near_0_or_1_are_not_rounded_to_certainty(browser, tmp_path, width):
    from depscreen.corpus import Post, User
    from depscreen.serve.viewer import risk_class, user_view

    exp = {"prediction": 1, "score": 0.99996, "top_features": [], "top_posts": [{"index": 0, "weight": 1.2}]}
    sure = user_view(User("sure", None, [Post("cannot sleep")]), exp, score=0.99996, prediction=1,
                     probabilities={"0": 0.00004, "1": 0.99996})
    low = user_view(User("low", None, [Post("nice walk")]), {**exp, "prediction": 0, "score": 0.0002}, score=0.0002,
                    prediction=0, probabilities={"0": 0.9998, "1": 0.0002})
    mid = user_view(User("mid", None, [Post("long day")]), {**exp, "score": 0.5004}, score=0.5004, prediction=1,
                    probabilities={"0": 0.4996, "1": 0.5004})
    view = {"depscreen_view": 1, "disclaimer": "d", "model": "m", "source": "test", "classes": [0, 1],
            "risk_class": risk_class([0, 1]), "users": [sure, low, mid]}
    page, errors = _show(browser, tmp_path, view, width)
    assert page.inner_text("#score") == "> 0.999"
    meta = page.inner_text("#user-view .meta")
    assert "0: < 0.001" in meta and "1: > 0.999" in meta
    listed = [c.inner_text() for c in page.query_selector_all(".users tr td:nth-child(2)")]
    assert listed == ["> 0.999", "< 0.001", "0.500"]
    page.click(".users tr[data-index='1']")
    assert page.inner_text("#score") == "< 0.001"
    assert "0: > 0.999, 1: < 0.001" in page.inner_text("#user-view .meta")
    text = page.inner_text("#result")
    assert "1.000" not in text and "0.000" not in text
    _no_page_growth(page)
    assert not errors, errors


def test_text_from_outside_is_never_run_as_html(browser, tmp_path, width):
    probe = '<img src=x onerror="window.__xss=1">'
    posts = [probe + " cannot sleep", "<script>window.__xss=2</script>", "fine"]
    exp = {"prediction": 0, "score": 0.2, "top_posts": [{"index": 0, "weight": 0.1}],
           "top_features": [{"feature": '<img src=y onerror="window.__xss=3">', "contribution": 0.04},
                            {"feature": "char:<b>", "contribution": 0.02}, {"feature": "sleep", "contribution": 0.03}]}
    view = _hand_view(posts, exp, score=0.2, prediction=0, user_id='<img src=z onerror="window.__xss=4">')
    view["source"] = "<b>source</b>"
    page, errors = _show(browser, tmp_path, view, width)
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None
    assert page.query_selector_all("#result img, #result script, #result b") == []
    assert page.inner_text("tr[data-index='0'] .post-text") == posts[0]
    assert page.inner_text("#user-view h2") == 'User <img src=z onerror="window.__xss=4">'
    assert '<img src=y onerror="window.__xss=3">' in [c.inner_text() for c in page.query_selector_all(".feature")]
    assert not errors, errors


def test_screenshots_of_a_high_and_a_low_risk_timeline(browser, tmp_path, sample):
    """docs/img/review-high.png and review-low.png: set DEPSCREEN_SCREENSHOTS=docs/img to
    rewrite them (synthetic sample users only; English ones, so any font shows them)."""
    import os

    import numpy as np

    import depscreen
    from depscreen.serve.viewer import view_from_predictions

    model, _ = depscreen.train("depscreen-default", sample, params={"embedder": None, "calibration": None},
                               data="synthetic")
    users = [u for u in sample.users if all(p.lang == "en" for p in u.posts)]
    preds = depscreen.score(model, users)
    scores, labels = np.asarray(preds.scores), np.asarray(preds.labels)
    out = Path(os.environ.get("DEPSCREEN_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    for name, want, pick in (("high", 1, np.argmax), ("low", 0, np.argmin)):
        pool = np.flatnonzero(labels == want)
        user = users[int(pool[pick(scores[pool])])]
        one = depscreen.score(model, [user], explain=True, top_k=60)
        view = view_from_predictions([user], one, source="synthetic sample user")
        view["model"] = {"name": "depscreen-default (TF-IDF only, trained on the synthetic sample)", "version": ""}
        page, errors = _show(browser, tmp_path, view, 1280, f"{name}.html")
        assert ("toward risk" if want else "away from risk") in page.inner_text("#user-view")
        page.screenshot(path=str(out / f"review-{name}.png"), full_page=True)
        assert (out / f"review-{name}.png").stat().st_size > 20_000
        assert not errors, errors


def test_a_post_level_result_colours_each_post_by_its_own_prediction(browser, tmp_path, width):
    """A post-level model scores each post on its own: its words point toward that post's
    prediction, its bar is the post's own score (0 to 1, no direction)."""
    from depscreen.corpus import Post, User
    from depscreen.serve.viewer import user_view

    posts = ["so hopeless tonight", "so happy with friends", "long day"]
    page, errors = _show(browser, tmp_path, {"depscreen_view": 1, "disclaimer": "d", "model": "m", "source": "t",
                                             "users": [user_view(User("u", None, [Post("x")]), {}, score=0.5)]}, width)
    resp = {"disclaimer": "d", "level": "post", "seconds": 0.1,
            "model": {"name": "cnn", "version": "v", "depscreen_version": "0", "input_level": "post", "classes": [0, 1]},
            "results": [
                {"id": "0", "score": 0.99995, "prediction": 1, "explanation": {
                    "prediction": 1, "score": 0.99995, "top_features": [{"feature": "hopeless", "contribution": 0.8}]}},
                {"id": "1", "score": 0.2, "prediction": 0, "explanation": {
                    "prediction": 0, "score": 0.2, "top_features": [{"feature": "happy", "contribution": 0.5}]}},
                {"id": "2", "score": 0.5, "prediction": 1, "explanation": {
                    "prediction": 1, "score": 0.5, "top_features": []}}]}
    timeline = {"kind": "timeline", "users": [{"user_id": "pasted timeline",
                                               "posts": [{"text": t, "time": None, "id": None} for t in posts]}]}
    card = {"classes": [0, 1], "risk_class": 1}
    page.evaluate("([r, t, c]) => { const v = window.depscreenViewer; v.render(v.viewFromResponse(r, t, c)); }",
                  [resp, timeline, card])
    toks = {e.inner_text(): e.get_attribute("class") for e in page.query_selector_all(".post-text .tok")}
    assert "dir-risk" in toks["hopeless"] and "dir-away" in toks["happy"], toks
    rows = _bars(page)
    assert [r["text"] for r in rows] == ["> 0.999", "0.200", "0.500"]
    for r, s in zip(rows, [0.99995, 0.2, 0.5]):
        assert r["zero"] is None and r["bar"]["x"] == pytest.approx(r["box"]["x"], abs=1.0)
        assert r["bar"]["w"] == pytest.approx(s * r["box"]["w"], abs=1.0)
    assert "toward risk (1)" in page.inner_text("#legend")
    _no_page_growth(page)
    assert not errors, errors


def test_more_than_two_classes_have_no_risk_direction(browser, tmp_path, width):
    posts = ["cannot sleep again", "nice walk in the park"]
    exp = {"prediction": 2, "score": 1.7, "top_features": [{"feature": "sleep", "contribution": 0.2}],
           "top_posts": [{"index": 0, "weight": 0.5}, {"index": 1, "weight": -0.2}]}
    view = _hand_view(posts, exp, score=1.7, prediction=2, classes=(0, 1, 2, 3))
    assert view["risk_class"] is None
    page, errors = _show(browser, tmp_path, view, width)
    legend = page.inner_text("#legend")
    assert "toward the predicted class (2)" in legend and "toward risk" not in legend, legend
    assert "dir-pred" in page.get_attribute(".post-text .tok", "class")
    rows = _bars(page)
    assert [r["direction"] for r in rows] == ["dir-pred", "dir-against"]
    assert [r["text"] for r in rows] == ["+0.500", MINUS + "0.200"]
    assert page.inner_text("#score") == "1.700"
    assert not errors, errors


def test_a_label_set_by_an_operating_point_does_not_flip_the_colours(browser, tmp_path, sample, trained, width):
    """An operating point may relabel a user the model itself called 0; the explanation
    still pushes toward 0 (``toward``), so its words stay "away from risk"."""
    import numpy as np

    import depscreen
    from depscreen.serve.viewer import view_from_predictions

    model, _ = trained
    preds = depscreen.score(model, sample.users)
    own, scores = np.asarray(preds.labels), np.asarray(preds.scores)
    pool = np.flatnonzero(own == 0)
    i = int(pool[np.argmax(scores[pool])])   # the model's own 0 nearest its threshold
    user, point = sample.users[i], f"threshold={np.floor(scores[i] * 1e6) / 1e6:.6f}"
    relabelled = depscreen.score(model, [user], explain=True, top_k=60, operating_point=point)
    exp = relabelled.explanations[0]
    assert relabelled.labels[0] == 1 and exp["prediction"] == 1 and exp["toward"] == 0
    page, errors = _show(browser, tmp_path, view_from_predictions([user], relabelled, languages=False), width)
    assert "operating point" in page.inner_text("#legend")
    classes = {c for e in page.query_selector_all(".tok, .feature") for c in e.get_attribute("class").split()}
    assert "dir-away" in classes and "dir-risk" not in classes, classes
    _check_signed_bars(_bars(page), {p["index"]: -p["weight"] for p in exp["top_posts"]})
    assert not errors, errors
