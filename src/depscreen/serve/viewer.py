"""The review page as one self-contained file: the same viewer as ``GET /``.

:func:`write_view_html` writes an HTML file that carries the page's CSS and JavaScript
inline and the data as a JSON block (``<script type="application/json"
id="depscreen-view">``); it opens from disk with no server and no network. The demo's
screening page uses it, and the live page opens such a file too (one viewer, not two).

A *view* is ``{"depscreen_view": 1, "disclaimer", "model", "source", "classes",
"risk_class", "users": [...]}`` where each user is ``{"id", "score", "prediction",
"toward", "probabilities", "features", "weight_kind", "posts": [{"index", "text",
"time", "id", "lang", "weight", "used", "top"}]}``; :func:`view_from_predictions`
builds it from users and ``depscreen.score`` results.

Explanations say what pushed toward the model's *predicted* class (``top_features``
and the posts' weights of a linear model; see docs/explanations.md), named in
``toward`` (the model's own label: an operating point or prior adaptation may relabel
``prediction``, and ``depscreen.score`` then keeps the model's own label in the
explanation's ``toward``). ``risk_class`` (the positive class of a two-class model,
else None) lets the page turn that into "toward risk" or "away from risk": for a user
whose model's label is the other class every sign flips. ``weight_kind`` says what a
post's weight is: ``"prediction"`` (a signed score toward ``toward``) or
``"attention"`` (an attention model's share, never negative).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .. import DISCLAIMER
from ..jsonable import plain_value

STATIC = Path(__file__).parent / "static"
HIGHLIGHT = 3


def user_view(user: Any, explanation: dict[str, Any] | None, *, score: float | None = None,
              prediction: Any = None, probabilities: dict[str, float] | None = None,
              languages: Sequence[str] | None = None, show_text: bool = True,
              user_id: str | None = None) -> dict[str, Any]:
    """One user's view: posts with text (unless ``show_text`` is False), weights from the
    explanation (``posts`` where given, else ``top_posts``), the top posts marked."""
    exp = explanation or {}
    n = len(user.posts)
    weights: list[float | None] = [None] * n
    used = [True] * n
    for p in exp.get("posts") or []:
        if 0 <= int(p["index"]) < n:
            weights[int(p["index"])] = float(p["weight"])
            used[int(p["index"])] = bool(p.get("used", True))
    tops = sorted(exp.get("top_posts") or [], key=lambda p: -float(p["weight"]))
    for p in tops:
        if 0 <= int(p["index"]) < n and weights[int(p["index"])] is None:
            weights[int(p["index"])] = float(p["weight"])
    top = {int(p["index"]) for p in tops[:HIGHLIGHT]}
    posts = []
    for i, post in enumerate(user.posts):
        posts.append({"index": i, "text": post.text if show_text else None, "time": post.time, "id": post.id,
                      "lang": (languages[i] if languages is not None else None) or post.lang,
                      "weight": weights[i], "used": used[i], "top": i in top})
    return {"id": str(user_id if user_id is not None else user.user_id),
            "score": _num(score if score is not None else exp.get("score")),
            "prediction": plain_value(prediction if prediction is not None else exp.get("prediction")),
            "toward": plain_value(next((exp[k] for k in ("toward", "prediction") if exp.get(k) is not None), prediction)),
            "probabilities": probabilities, "features": exp.get("top_features") or [],
            "weight_kind": weight_kind(exp), "posts": posts}


def weight_kind(explanation: dict[str, Any] | None) -> str:
    """What the posts' weights in ``explanation`` are: ``"attention"`` when it lists every
    post (attention models), else ``"prediction"`` (signed scores toward the prediction)."""
    return "attention" if (explanation or {}).get("posts") else "prediction"


def risk_class(classes: Sequence[Any] | None) -> Any:
    """The class that means risk: the positive class of a two-class model
    (:func:`depscreen.task.positive_label`), else None (no single direction).

    >>> risk_class([0, 1]), risk_class(["control", "depressed"]), risk_class([0, 1, 2])
    (1, 'depressed', None)
    """
    from ..task import positive_label

    classes = [] if classes is None else [plain_value(c) for c in classes]
    return plain_value(positive_label(classes)) if len(classes) == 2 else None


def view_from_predictions(users: Sequence[Any], preds: Any, *, show_text: bool = True,
                          languages: bool = True, source: str = "screened") -> dict[str, Any]:
    """A view of ``users`` scored by ``depscreen.score(model, users, explain=True)``."""
    if preds.explanations is None:
        raise ValueError("the predictions carry no explanations: score with explain=True")
    if len(users) != len(preds):
        raise ValueError(f"{len(users)} users but {len(preds)} predictions")
    detect = None
    if languages:
        from ..text.langdetect import detect_language as detect
    out = []
    for i, user in enumerate(users):
        langs = [p.lang or detect(p.text) for p in user.posts] if detect else None
        probs = None
        if preds.proba is not None:
            probs = {str(c): float(v) for c, v in zip(preds.classes, preds.proba[i])}
        out.append(user_view(user, preds.explanations[i],
                             score=None if preds.scores is None else float(preds.scores[i]),
                             prediction=preds.labels[i], probabilities=probs, languages=langs,
                             show_text=show_text))
    classes = None if preds.classes is None else [plain_value(c) for c in preds.classes]
    return {"depscreen_view": 1, "disclaimer": DISCLAIMER, "model": {"name": preds.model, "version": ""},
            "source": source, "classes": classes, "risk_class": risk_class(classes), "users": out}


def view_html(view: dict[str, Any], title: str = "depscreen screening") -> str:
    """The viewer page with ``view`` inlined: opens from disk, no server, no network."""
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    css = (STATIC / "viewer.css").read_text(encoding="utf-8")
    js = (STATIC / "viewer.js").read_text(encoding="utf-8")
    data = json.dumps(view, ensure_ascii=False, default=_default)
    # a JSON block inside <script> must not close the element early: escape < > & as
    # JSON unicode escapes (still the same JSON)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    page = page.replace('<link rel="stylesheet" href="/static/viewer.css">', f"<style>\n{css}\n</style>")
    page = page.replace("<title>depscreen review page</title>", f"<title>{html.escape(title)}</title>")
    page = page.replace('<script src="/static/viewer.js"></script>',
                        f'<script type="application/json" id="depscreen-view">{data}</script>\n'
                        f"<script>\n{js.replace('</script', '<' + chr(92) + '/script')}\n</script>")
    return page


def write_view_html(path: str | Path, view: dict[str, Any], title: str = "depscreen screening") -> Path:
    """Write :func:`view_html` to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(view_html(view, title), encoding="utf-8")
    return path


def _num(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if np.isfinite(v) else None


def _default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)
