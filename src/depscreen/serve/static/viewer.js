/* depscreen review page: one viewer for live screening, saved results and the
 * timelines `depscreen mil explain` writes. Plain JavaScript, no build step, no CDN.
 * Post text is put into the page with textContent only (never parsed as HTML) and is
 * sent nowhere but to this server's /v1/screen. */
(function () {
  "use strict";

  var HIGHLIGHT = 3;      // top posts highlighted per user
  var MAX_TOP_K = 500;    // the server caps it too
  var modelCard = null;
  var current = null;     // the view on display

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "class") node.className = attrs[k];
        else if (k === "text") node.textContent = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function fmt(x, digits) {
    if (x === null || x === undefined || x === "") return "";
    if (typeof x === "number") return Number.isInteger(x) && digits === undefined ? String(x)
      : x.toFixed(digits === undefined ? 3 : digits);
    return String(x);
  }

  /* A score or probability: three decimals, but never "1.000" or "0.000" for a number
   * that is only near 1 or 0 (a model is never that certain): "> 0.999", "< 0.001". */
  function fmtScore(x) {
    if (typeof x !== "number" || !isFinite(x)) return x === null || x === undefined ? "n/a" : fmt(x);
    if (x >= 0 && x <= 1) {
      if (x > 0.999) return "> 0.999";
      if (x < 0.001) return "< 0.001";
    }
    return x.toFixed(3);
  }

  /* A signed weight with its sign always written: "+0.412", "\u22120.071". */
  function fmtSigned(x) {
    if (typeof x !== "number" || !isFinite(x)) return "";
    var a = Math.abs(x);
    var digits = a === 0 || a >= 0.01 ? a.toFixed(3) : a.toPrecision(2);
    return (x > 0 ? "+" : x < 0 ? "\u2212" : "") + digits;
  }

  function setStatus(msg, isError) {
    var s = $("status");
    if (!s) return;
    s.textContent = msg || "";
    s.className = isError ? "error" : "";
  }

  // ------------------------------------------------------------------ parsing input
  function postFrom(obj, i) {
    if (typeof obj === "string") return { text: obj, time: null, id: null, lang: null };
    return { text: obj.text, time: obj.time || null, id: obj.id === undefined ? null : obj.id,
             lang: obj.lang || null };
  }

  function userFrom(obj, i) {
    return { user_id: String(obj.user_id === undefined ? "user-" + (i + 1) : obj.user_id),
             posts: (obj.posts || []).map(postFrom) };
  }

  /* Text the user pasted or a file's content -> {kind: "timeline", users} or {kind: "view", view}. */
  function parseInput(text) {
    var trimmed = text.replace(/^\uFEFF/, "").trim();
    if (!trimmed) throw new Error("the timeline is empty: paste posts or open a file");
    if (trimmed.charAt(0) === "<") return { kind: "view", view: parseHtmlPage(trimmed) };
    var whole = null;
    try { whole = JSON.parse(trimmed); } catch (e) { whole = null; }
    if (whole !== null && typeof whole === "object") {
      if (whole.depscreen_view) return { kind: "view", view: whole };
      if (Array.isArray(whole)) return timelineFromItems(whole);
      if (Array.isArray(whole.users) && whole.users.length && whole.users[0].posts &&
          whole.users[0].posts.length && whole.users[0].posts[0].text !== undefined)
        return timelineFromItems(whole.users);
      if (Array.isArray(whole.users)) return { kind: "view", view: viewFromExplanations(whole) };
      if (Array.isArray(whole.results)) throw new Error("this is an API response; open it after saving it from this page");
      return timelineFromItems([whole]);
    }
    var lines = trimmed.split(/\r?\n/).filter(function (l) { return l.trim() !== ""; });
    var items = [];
    var allJson = lines.every(function (l) {
      var t = l.trim();
      if (t.charAt(0) !== "{" && t.charAt(0) !== "\"") return false;
      try { items.push(JSON.parse(t)); return true; } catch (e) { return false; }
    });
    if (!allJson) items = lines;  // one post per line
    return timelineFromItems(items);
  }

  function timelineFromItems(items) {
    if (!items.length) throw new Error("no posts found");
    var users = [], posts = [];
    items.forEach(function (it, i) {
      if (it && typeof it === "object" && Array.isArray(it.posts)) users.push(userFrom(it, i));
      else if (typeof it === "string" || (it && typeof it === "object" && typeof it.text === "string")) posts.push(postFrom(it, i));
      else throw new Error("line " + (i + 1) + ": not a post (needs \"text\") or a user (needs \"posts\")");
    });
    if (users.length && posts.length) throw new Error("the input mixes users and bare posts; give one or the other");
    if (posts.length) users = [{ user_id: "pasted timeline", posts: posts }];
    users.forEach(function (u, i) {
      if (!u.posts.length) throw new Error("user " + u.user_id + " has no posts");
      u.posts.forEach(function (p, j) {
        if (typeof p.text !== "string") throw new Error("user " + u.user_id + ", post " + (j + 1) + ": text is missing");
      });
    });
    return { kind: "timeline", users: users };
  }

  /* explanations.json of `depscreen mil explain` (weights and ids, no text). */
  function viewFromExplanations(doc) {
    return {
      depscreen_view: 1, source: "explanations file", disclaimer: doc.disclaimer, model: doc.model,
      users: doc.users.map(function (e, i) {
        return userView(e.user_id === undefined ? "user-" + (i + 1) : e.user_id, e, null, null);
      })
    };
  }

  /* A page written by `depscreen mil explain` (or saved from this viewer). */
  function parseHtmlPage(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var embedded = doc.getElementById("depscreen-view");
    if (embedded) return JSON.parse(embedded.textContent);
    var table = doc.querySelector("table");
    if (!table) throw new Error("no timeline table in this page");
    var heads = Array.prototype.map.call(table.querySelectorAll("tr th"), function (th) { return th.textContent.trim(); });
    if (heads.indexOf("attention") < 0)
      throw new Error("this page is the list of users of a `mil explain` folder: open one user's page");
    var posts = [];
    Array.prototype.forEach.call(table.querySelectorAll("tr"), function (tr, k) {
      var td = tr.querySelectorAll("td");
      if (td.length < 4) return;
      var textCell = td[3].cloneNode(true);
      Array.prototype.forEach.call(textCell.querySelectorAll(".truth"), function (n) { n.remove(); });
      var hidden = textCell.querySelector(".small") && textCell.textContent.trim() === "(text hidden)";
      var w = parseFloat((td[1].textContent.match(/-?\d+(\.\d+)?(e-?\d+)?/) || ["NaN"])[0]);
      posts.push({ index: posts.length, time: td[0].textContent.trim() || null, id: td[2].textContent.trim(),
                   text: hidden ? null : textCell.textContent.trim(), weight: isNaN(w) ? null : w,
                   used: !tr.classList.contains("unused"), top: tr.classList.contains("top"), lang: null });
    });
    var info = (doc.querySelector("p b") ? doc.body.textContent : "");
    var pred = info.match(/prediction\s+(\S+)/);
    var score = info.match(/score\s+(-?[\d.]+)/);
    var title = (doc.querySelector("h1") || {}).textContent || "user";
    return { depscreen_view: 1, source: "mil explain page", disclaimer: null, model: null,
             users: [{ id: title.replace(/^User\s+/, ""), prediction: pred ? pred[1].replace(/,$/, "") : null,
                       score: score ? parseFloat(score[1]) : null, probabilities: null, features: [],
                       weight_kind: "attention", posts: posts }] };
  }

  // ------------------------------------------------------------------ building views
  /* What a user's post weights are, which decides how they are drawn:
   *   "prediction": signed scores toward the predicted class (linear models' top_posts);
   *                 shown as direction toward or away from risk, bars from a zero line;
   *   "attention":  an attention model's share of attention (never negative, no direction);
   *   "score":      each post's own score (post-level models), 0 to 1.
   * An explanation with "posts" comes from an attention model (docs/explanations.md). */
  function weightKindOf(exp) {
    return exp && Array.isArray(exp.posts) && exp.posts.length ? "attention" : "prediction";
  }

  /* The class an explanation's features and post weights push toward: the model's own
   * label. When an operating point or prior adaptation relabels a result, its
   * "prediction" follows the new label and "toward" keeps the model's own. */
  function towardOf(exp, prediction) {
    if (exp && exp.toward !== undefined && exp.toward !== null) return exp.toward;
    if (exp && exp.prediction !== undefined && exp.prediction !== null) return exp.prediction;
    return prediction === undefined ? null : prediction;
  }

  /* One user's view from an explanation (shared schema) and, where known, the posts sent. */
  function userView(id, exp, sentPosts, langs, result) {
    exp = exp || {};
    var n = sentPosts ? sentPosts.length : (exp.posts ? exp.posts.length : 0);
    var weights = new Array(n).fill(null), used = new Array(n).fill(true);
    (exp.posts || []).forEach(function (p) {
      if (p.index < n) { weights[p.index] = p.weight; used[p.index] = p.used !== false; }
    });
    var tops = (exp.top_posts || []).slice();
    tops.forEach(function (p) { if (p.index < n && weights[p.index] === null) weights[p.index] = p.weight; });
    tops.sort(function (a, b) { return b.weight - a.weight; });
    var topSet = {};
    tops.slice(0, HIGHLIGHT).forEach(function (p) { topSet[p.index] = true; });
    var posts = [];
    for (var i = 0; i < n; i++) {
      var sent = sentPosts ? sentPosts[i] : null;
      var meta = (exp.posts || []).filter(function (p) { return p.index === i; })[0] || {};
      posts.push({ index: i, text: sent ? sent.text : null, time: sent ? sent.time : (meta.time || null),
                   id: sent ? sent.id : (meta.id === undefined ? null : meta.id),
                   lang: (langs && langs[i]) || (sent && sent.lang) || null,
                   weight: weights[i], used: used[i], top: !!topSet[i] });
    }
    var prediction = result ? result.prediction : exp.prediction;
    return { id: id, score: result ? result.score : (exp.score === undefined ? null : exp.score),
             prediction: prediction, toward: towardOf(exp, prediction),
             probabilities: result ? result.probabilities : null,
             features: exp.top_features || [], weight_kind: weightKindOf(exp), posts: posts };
  }

  function viewFromResponse(resp, timeline, card) {
    var users;
    if (resp.level === "post") {
      var posts = timeline.users[0].posts;
      var u = { id: timeline.users[0].user_id, score: null, prediction: null, probabilities: null, features: [],
                weight_kind: "score", posts: [] };
      var order = resp.results.map(function (r, i) { return [r.score === null ? -Infinity : r.score, i]; })
        .sort(function (a, b) { return b[0] - a[0]; }).slice(0, HIGHLIGHT).map(function (x) { return x[1]; });
      resp.results.forEach(function (r, i) {
        u.posts.push({ index: i, text: posts[i].text, time: posts[i].time, id: posts[i].id,
                       lang: (r.languages && r.languages[0]) || posts[i].lang, weight: r.score, used: true,
                       top: order.indexOf(i) >= 0, prediction: r.prediction,
                       toward: towardOf(r.explanation, r.prediction),
                       features: (r.explanation && r.explanation.top_features) || [] });
      });
      var scores = resp.results.map(function (r) { return r.score; }).filter(function (s) { return s !== null; });
      u.score = scores.length ? Math.max.apply(null, scores) : null;
      u.note = "post-level model: each post is scored on its own; the user's score shown is the highest post score";
      users = [u];
    } else {
      users = resp.results.map(function (r, i) {
        return userView(r.id, r.explanation, timeline.users[i].posts, r.languages, r);
      });
    }
    var classes = (resp.model && resp.model.classes) || (card && card.classes) || null;
    return { depscreen_view: 1, source: "screened", disclaimer: resp.disclaimer, model: resp.model,
             classes: classes, risk_class: card && card.risk_class !== undefined ? card.risk_class : null,
             users: users };
  }

  // ------------------------------------------------------------------ direction
  /* Explanations say what pushed toward the *predicted* class (docs/explanations.md):
   * for a user predicted "not depressed" their top features and post weights point away
   * from risk. riskSign turns "toward the prediction" into "toward risk": +1 when the
   * prediction is the risk class, -1 when it is the other class of a two-class model,
   * 0 when no risk direction is known (more than two classes, or a view without
   * classes): then the page says "toward the predicted class" and uses neutral colours. */
  function riskSign(prediction, view) {
    var classes = view && view.classes, rc = view ? view.risk_class : null;
    if (rc === null || rc === undefined || !Array.isArray(classes) || classes.length !== 2 ||
        prediction === null || prediction === undefined) return 0;
    if (String(prediction) === String(rc)) return 1;
    return classes.some(function (c) { return String(c) === String(prediction); }) ? -1 : 0;
  }

  function otherClass(view) {
    var rc = String(view.risk_class);
    return (view.classes || []).filter(function (c) { return String(c) !== rc; })[0];
  }

  /* The direction of a value `d` already turned toward risk (sign != 0) or still toward
   * the prediction (sign == 0): a CSS class (dir-*) and words for it. */
  function direction(d, sign, view, prediction) {
    if (!(d > 0) && !(d < 0)) return { cls: "dir-zero", name: "no push either way" };
    if (sign === 0) return d > 0 ? { cls: "dir-pred", name: "toward the predicted class (" + fmt(prediction) + ")" }
                                 : { cls: "dir-against", name: "away from the predicted class (" + fmt(prediction) + ")" };
    return d > 0 ? { cls: "dir-risk", name: "toward risk (" + fmt(view.risk_class) + ")" }
                 : { cls: "dir-away", name: "away from risk, toward \u201cnot depressed\u201d (" + fmt(otherClass(view)) + ")" };
  }

  function legend(sign, view, prediction, weightKind, shownPrediction) {
    var items = sign === 0
      ? [direction(1, 0, view, prediction), direction(-1, 0, view, prediction)]
      : [direction(1, 1, view, prediction), direction(-1, 1, view, prediction)];
    var note = sign === 0
      ? "This model gives no risk direction (" + ((view.classes || []).length > 2 ? "more than two classes" : "classes unknown") +
        "): colours say what pushed toward or away from its prediction."
      : "Colours: what pushed the score toward risk or away from it. The explanation lists what pushed toward " +
        "the model's prediction (" + fmt(prediction) + (sign > 0 ? ", the risk class" : ", not the risk class") +
        "), so its signs are turned to read toward risk.";
    if (shownPrediction !== undefined && shownPrediction !== null && prediction !== null &&
        String(shownPrediction) !== String(prediction))
      note += " The prediction shown (" + fmt(shownPrediction) + ") was set by an operating point or prior " +
              "adaptation; the model's own was " + fmt(prediction) + ".";
    var box = el("div", { "class": "legend", id: "legend" }, items.map(function (it) {
      return el("span", { "class": "legend-item", "data-direction": it.cls }, [
        el("span", { "class": "swatch " + it.cls }), " " + it.name]);
    }));
    box.appendChild(el("span", { "class": "small legend-note", text: note + (weightKind === "attention"
      ? " Bars: the model's attention per post (a share, never negative, no direction)."
      : weightKind === "score" ? " Bars: each post's own score, from 0 to 1."
      : " Bars: each post's own push, from the zero line, scaled to the strongest post.") }));
    return box;
  }

  // ------------------------------------------------------------------ word colouring
  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  /* A feature of the explanation: kind "word" (a word or phrase), "char" (a character
   * n-gram: "char:'t", "char__ i", or one with a space at an edge, which marks a word
   * boundary in scikit-learn's char_wb analyzer) or "other" (a named hand-made feature). */
  function parseFeature(f) {
    var raw = String(f.feature), c = Number(f.contribution), kind = "word", text = raw, m;
    if ((m = raw.match(/^char(?:_wb)?(?::|__)([\s\S]*)$/))) { kind = "char"; text = m[1]; }
    else if ((m = raw.match(/^word__([\s\S]*)$/))) { text = m[1]; }
    else if (/^[A-Za-z0-9]+__/.test(raw)) { kind = "other"; }
    else if (raw !== raw.trim()) { kind = "char"; }
    return { kind: kind, text: text, c: isFinite(c) ? c : 0 };
  }

  /* A regular expression finding a feature in post text (case-insensitive). */
  function featureRegex(pf) {
    var re = null;
    try {
      if (pf.kind === "char") {
        var core = pf.text.trim();
        if (!core) return null;
        var body = core.split(/\s+/).map(escapeRe).join("\\s+");
        re = new RegExp((/^\s/.test(pf.text) ? "(?<!\\S)" : "") + body + (/\s$/.test(pf.text) ? "(?!\\S)" : ""), "giu");
      } else if (pf.kind === "word") {
        var words = pf.text.split(/\s+/).filter(Boolean);
        if (!words.length) return null;
        var cjk = CJK.test(pf.text);
        var pattern = words.map(escapeRe).join(cjk ? "\\s*" : "[\\s\\p{P}]+");
        re = cjk ? new RegExp(pattern, "giu") : new RegExp("(?<![\\p{L}\\p{N}_])" + pattern + "(?![\\p{L}\\p{N}_])", "giu");
      }
    } catch (e) { re = null; }
    return re;
  }

  function eachMatch(re, text, fn) {
    re.lastIndex = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length === 0) { re.lastIndex++; continue; }
      fn(m.index, m.index + m[0].length);
    }
  }

  /* The word a character n-gram came from: the run of non-space characters around
   * [a, b), without punctuation at its edges; a Chinese n-gram is its own word. */
  function wordAround(text, a, b) {
    var piece = text.slice(a, b).trim();
    if (CJK.test(piece)) return piece.toLowerCase();
    var s = a, e = b;
    while (s > 0 && !/\s/.test(text.charAt(s - 1))) s--;
    while (e < text.length && !/\s/.test(text.charAt(e))) e++;
    while (s < a && /[\p{P}\p{S}]/u.test(text.charAt(s)) && text.charAt(s) !== "'") s++;
    while (e > b && /[\p{P}\p{S}]/u.test(text.charAt(e - 1))) e--;
    var word = text.slice(s, e).toLowerCase();
    if (word.length > 24) {
      var from = Math.max(s, a - 8), to = Math.min(e, b + 8);
      word = (from > s ? "\u2026" : "") + text.slice(from, to).toLowerCase() + (to < e ? "\u2026" : "");
    }
    return word;
  }

  /* A character n-gram found in no text: shown as part of a word ("n't" -> "\u2026n't\u2026"),
   * where a space at an edge marks the start or end of the word. */
  function partLabel(text) {
    return (/^\s/.test(text) ? "" : "\u2026") + text.trim() + (/\s$/.test(text) ? "" : "\u2026");
  }

  /* Word chips: word features as they are, and each character n-gram folded into the
   * words it was found in, its contribution shared by how often it occurs in each. */
  function featureChips(features, texts) {
    var chips = {};
    function add(label, c, part) {
      var chip = chips[label] || (chips[label] = { label: label, c: 0, parts: [] });
      chip.c += c;
      if (part) chip.parts.push(part);
    }
    features.forEach(function (f) {
      var pf = parseFeature(f);
      if (pf.kind !== "char") { add(pf.kind === "word" ? pf.text.toLowerCase() : pf.text, pf.c, null); return; }
      var re = featureRegex(pf), hits = {}, total = 0;
      if (re) texts.forEach(function (t) {
        eachMatch(re, t, function (a, b) { var w = wordAround(t, a, b); hits[w] = (hits[w] || 0) + 1; total++; });
      });
      var core = "\u2018" + pf.text.trim() + "\u2019";
      if (!total) { add(partLabel(pf.text), pf.c, core + " (letters, found in no post shown)"); return; }
      Object.keys(hits).forEach(function (w) { add(w, pf.c * hits[w] / total, core); });
    });
    return Object.keys(chips).map(function (k) { return chips[k]; })
      .sort(function (a, b) { return Math.abs(b.c) - Math.abs(a.c); });
  }

  /* Per character of `text`: the strongest feature covering it (value turned toward
   * risk with `sign`, or toward the prediction when sign is 0) and whether it is a
   * character n-gram. */
  function featureSpans(text, features, sign) {
    var best = new Float64Array(text.length), label = new Array(text.length), any = false;
    features.forEach(function (f) {
      var pf = parseFeature(f);
      if (pf.kind === "other" || !(pf.c > 0 || pf.c < 0)) return;
      var re = featureRegex(pf);
      if (!re) return;
      var d = sign === 0 ? pf.c : sign * pf.c;
      var name = pf.kind === "char" ? "letters \u2018" + pf.text.trim() + "\u2019" : "\u2018" + pf.text + "\u2019";
      eachMatch(re, text, function (a, b) {
        for (var k = a; k < b; k++) if (Math.abs(d) > Math.abs(best[k])) { best[k] = d; label[k] = name; }
        any = true;
      });
    });
    return any ? { value: best, label: label } : null;
  }

  function paint(node, d, maxAbs, dir) {
    node.classList.add(dir.cls);
    node.style.setProperty("--alpha", (0.15 + 0.65 * Math.min(1, Math.abs(d) / (maxAbs || 1))).toFixed(2));
    node.setAttribute("data-d", String(d));
  }

  function colouredText(text, features, sign, view, prediction) {
    var frag = document.createDocumentFragment();
    var spans = features && features.length ? featureSpans(text, features, sign) : null;
    if (!spans) { frag.appendChild(document.createTextNode(text)); return frag; }
    var maxAbs = 0;
    features.forEach(function (f) { maxAbs = Math.max(maxAbs, Math.abs(parseFeature(f).c)); });
    var v = spans.value, start = 0;
    for (var i = 1; i <= text.length; i++) {
      if (i === text.length || v[i] !== v[start] || spans.label[i] !== spans.label[start]) {
        var piece = text.slice(start, i), d = v[start];
        if (d !== 0) {
          var dir = direction(d, sign, view, prediction);
          var span = el("span", { "class": "tok", title: spans.label[start] + ": " + dir.name + " " + fmtSigned(d) }, [piece]);
          paint(span, d, maxAbs, dir);
          frag.appendChild(span);
        } else frag.appendChild(document.createTextNode(piece));
        start = i;
      }
    }
    return frag;
  }

  // ------------------------------------------------------------------ rendering
  function render(view) {
    current = view;
    var out = $("result");
    out.hidden = false;
    out.textContent = "";
    if (view.disclaimer) $("disclaimer").textContent = view.disclaimer;
    var model = view.model ? (typeof view.model === "string" ? view.model
      : view.model.name + (view.model.version ? " (version " + view.model.version + ")" : "")) : "";
    out.appendChild(el("p", { "class": "meta" }, [
      (view.source || "") + (model ? " \u00b7 model " + model : "") + " \u00b7 " + view.users.length +
      (view.users.length === 1 ? " user" : " users")]));
    if (view.users.length > 1) out.appendChild(userList(view));
    var holder = el("div", { id: "user-view" });
    out.appendChild(holder);
    showUser(view, 0);
  }

  function userList(view) {
    var rows = view.users.map(function (u, i) {
      var tr = el("tr", { "data-index": String(i) }, [
        el("td", { text: String(u.id) }), el("td", { text: fmtScore(u.score) }),
        el("td", { text: fmt(u.prediction) }), el("td", { text: String(u.posts.length) })]);
      tr.addEventListener("click", function () { showUser(view, i); });
      return tr;
    });
    return el("table", { "class": "users" }, [
      el("tr", null, [el("th", { text: "user" }), el("th", { text: "score" }), el("th", { text: "prediction" }),
                      el("th", { text: "posts" })])].concat(rows));
  }

  /* A post's bar: from a zero line in the middle for signed weights (left: away from
   * risk, right: toward it), from the left edge for attention and post scores. The
   * length is |weight| / max |weight| of the half (or whole) box; a post score is drawn
   * on its own 0-1 scale. */
  function weightBar(value, kind, maxAbs, dir) {
    var box = el("span", { "class": "barbox " + (kind === "prediction" ? "signed" : "unsigned") });
    if (kind === "prediction") box.appendChild(el("span", { "class": "zero" }));
    if (value === null || value === undefined || !isFinite(value)) return box;
    var bar = el("span", { "class": "bar " + dir.cls });
    if (kind === "prediction") {
      var half = maxAbs > 0 ? 50 * Math.abs(value) / maxAbs : 0;
      bar.style.width = half.toFixed(2) + "%";
      if (value >= 0) bar.style.left = "50%"; else bar.style.right = "50%";
    } else {
      var frac = kind === "score" ? Math.max(0, Math.min(1, value)) : (maxAbs > 0 ? Math.max(0, value) / maxAbs : 0);
      bar.style.width = (100 * frac).toFixed(2) + "%";
      bar.style.left = "0";
    }
    box.appendChild(bar);
    return box;
  }

  function showUser(view, i) {
    var u = view.users[i];
    var kind = u.weight_kind || "prediction";
    Array.prototype.forEach.call(document.querySelectorAll(".users tr"), function (tr) {
      tr.classList.toggle("current", tr.getAttribute("data-index") === String(i));
    });
    var holder = $("user-view");
    holder.textContent = "";
    holder.appendChild(el("h2", { text: "User " + u.id }));
    var probs = u.probabilities ? Object.keys(u.probabilities).map(function (c) {
      return c + ": " + fmtScore(u.probabilities[c]);
    }).join(", ") : "";
    holder.appendChild(el("div", null, [
      el("span", { "class": "score", id: "score", text: fmtScore(u.score) }),
      el("span", { "class": "meta" }, [" score" + (u.prediction !== null && u.prediction !== undefined
        ? " \u00b7 prediction " + fmt(u.prediction) : "") + (probs ? " \u00b7 " + probs : "")])]));
    holder.appendChild(el("p", { "class": "disclaimer small", text: view.disclaimer ||
      "depscreen is a screening and research tool, not a diagnostic device: its scores are not a diagnosis." }));
    if (u.note) holder.appendChild(el("p", { "class": "small", text: u.note }));

    // which way things pushed: the user's own prediction, or (post-level) each post's
    var toward = u.toward !== undefined && u.toward !== null ? u.toward : u.prediction;
    var sign = riskSign(toward, view);
    var legendSign = kind === "score" ? (riskSign(view.risk_class, view) || 0) : sign;
    holder.appendChild(legend(legendSign, view, toward, kind, u.prediction));

    var texts = u.posts.map(function (p) { return p.text; }).filter(function (t) { return typeof t === "string"; });
    if (u.features && u.features.length) {
      var chips = featureChips(u.features, texts).slice(0, 20);
      var maxC = 0;
      chips.forEach(function (ch) { maxC = Math.max(maxC, Math.abs(ch.c)); });
      holder.appendChild(el("p", { "class": "small", text: "Words coloured by which way they pushed the score " +
        "(darker is stronger); character n-grams are shown inside the words they came from. Top words:" }));
      holder.appendChild(el("div", { "class": "features feature-list" }, chips.map(function (ch) {
        var d = sign === 0 ? ch.c : sign * ch.c;
        var dir = direction(d, sign, view, toward);
        var s = el("span", { "class": "feature", title: ch.label + ": " + dir.name + " " + fmtSigned(d) +
          (ch.parts.length ? " (letters inside it: " + ch.parts.join(", ") + ")" : "") }, [ch.label]);
        paint(s, d, maxC, dir);
        return s;
      })));
    }

    // post weights, turned toward risk where the model gives a direction
    var shown = u.posts.map(function (p) {
      var w = p.weight;
      if (w === null || w === undefined || !isFinite(w)) return null;
      return kind === "prediction" && sign !== 0 ? sign * w : w;
    });
    var maxAbs = 0;
    shown.forEach(function (d) { if (d !== null) maxAbs = Math.max(maxAbs, Math.abs(d)); });
    var rows = u.posts.map(function (p, k) {
      var d = shown[k];
      var dir = kind === "prediction" ? direction(d, sign, view, toward) : { cls: "dir-none", name: kind };
      var weightText = d === null ? "" : kind === "prediction" ? fmtSigned(d) : kind === "score" ? fmtScore(d) : fmt(d);
      var weightCell = el("td", { "class": "c-weight" }, [weightBar(d, kind, maxAbs, dir),
        el("span", { "class": "weight", text: weightText })]);
      if (d !== null) {
        weightCell.setAttribute("data-weight", String(d));
        weightCell.setAttribute("data-direction", dir.cls);
        weightCell.title = kind === "prediction" ? dir.name + " " + fmtSigned(d) : kind + " " + weightText;
      }
      var textCell = el("td", { "class": "text-cell" });
      if (p.text === null || p.text === undefined) textCell.appendChild(el("span", { "class": "small", text: "(text not in this file)" }));
      else {
        var span = el("span", { "class": "post-text" });
        var own = p.features && p.features.length;
        var postToward = own ? (p.toward !== undefined && p.toward !== null ? p.toward : p.prediction) : toward;
        span.appendChild(colouredText(p.text, own ? p.features : u.features, riskSign(postToward, view), view,
                                      postToward));
        textCell.appendChild(span);
        textCell.appendChild(el("span", { "class": "hidden-text", text: "(text hidden, " + p.text.length + " characters)" }));
      }
      return el("tr", { "class": (p.top ? "top" : "") + (p.used === false ? " unused" : ""),
                        "data-index": String(p.index) }, [
        el("td", { "class": "small c-index", text: String(p.index) + (p.id !== null && p.id !== undefined && p.id !== "" ? " \u00b7 " + p.id : "") }),
        el("td", { "class": "small c-time", text: p.time || "" }),
        el("td", { "class": "c-lang" }, [p.lang ? el("span", { "class": "lang", text: p.lang }) : null]),
        weightCell,
        textCell]);
    });
    var nTop = Math.min(HIGHLIGHT, u.posts.length);
    holder.appendChild(el("p", { "class": "small", text: "Highlighted rows: the " + nTop + " posts " + (
      kind === "score" ? "with the highest own score" : kind === "attention" ? "with the most attention"
        : "that pushed most toward the prediction (" + fmt(toward) +
          (sign > 0 ? ", toward risk" : sign < 0 ? ", away from risk" : "") + ")") + "." }));
    var weightHead = kind === "score" ? "post score" : kind === "attention" ? "attention"
      : sign !== 0 ? "push toward risk" : "push toward prediction";
    holder.appendChild(el("table", { "class": "timeline" }, [
      el("tr", null, ["post", "time", "language", weightHead, "text"].map(function (h) { return el("th", { text: h }); }))
    ].concat(rows)));
  }

  // ------------------------------------------------------------------ talking to the server
  function headers() {
    var key = $("api-key").value.trim();
    var h = { "Content-Type": "application/json" };
    if (key) h["X-API-Key"] = key;
    return h;
  }

  function errorText(status, body) {
    if (body && body.error) return body.error + " (HTTP " + status + ")";
    return "HTTP " + status;
  }

  function fetchJson(url, options) {
    return fetch(url, options).then(function (r) {
      return r.text().then(function (t) {
        var body = null;
        try { body = t ? JSON.parse(t) : null; } catch (e) { body = null; }
        if (!r.ok) {
          var msg = errorText(r.status, body);
          if (r.status === 429) msg += "; retry in " + (r.headers.get("Retry-After") || "a few") + " s";
          throw new Error(msg);
        }
        return body;
      });
    });
  }

  function screen() {
    var parsed;
    try { parsed = parseInput($("timeline").value); } catch (e) { setStatus(e.message, true); return; }
    if (parsed.kind === "view") { render(parsed.view); setStatus("opened"); return; }
    var timeline = parsed;
    setStatus("screening\u2026");
    var card = modelCard ? Promise.resolve(modelCard) : fetchJson("/v1/model", { headers: headers() })
      .then(function (c) { modelCard = c; return c; });
    card.then(function (c) {
      var nPosts = Math.max.apply(null, timeline.users.map(function (u) { return u.posts.length; }));
      var topK = Math.min(MAX_TOP_K, (c.limits && c.limits.max_top_k) || MAX_TOP_K, Math.max(50, nPosts));
      var body;
      if (c.input_level === "post") {
        if (timeline.users.length > 1) throw new Error("this model scores single posts: give one timeline");
        body = { posts: timeline.users[0].posts.map(function (p) { return p.id === null ? p.text : { id: String(p.id), text: p.text }; }),
                 explain: true, top_k: topK };
      } else {
        body = { users: timeline.users, explain: true, top_k: topK };
      }
      return fetchJson("/v1/screen", { method: "POST", headers: headers(), body: JSON.stringify(body) });
    }).then(function (resp) {
      render(viewFromResponse(resp, timeline, modelCard));
      setStatus("screened " + timeline.users.length + (timeline.users.length === 1 ? " user" : " users") +
                " in " + fmt(resp.seconds, 2) + " s");
    }).catch(function (e) { setStatus(e.message, true); });
  }

  function openFile(file) {
    var reader = new FileReader();
    reader.onload = function () {
      var text = String(reader.result);
      var parsed;
      try { parsed = parseInput(text); } catch (e) { setStatus(file.name + ": " + e.message, true); return; }
      if (parsed.kind === "view") { render(parsed.view); setStatus("opened " + file.name); }
      else { $("timeline").value = text; setStatus("loaded " + file.name + ": press Screen"); }
    };
    reader.onerror = function () { setStatus("could not read " + file.name, true); };
    reader.readAsText(file);
  }

  function init() {
    var hide = $("hide-text");
    hide.addEventListener("change", function () { document.body.classList.toggle("hide-text", hide.checked); });
    var embedded = $("depscreen-view");
    if (embedded) {
      if ($("input")) $("input").hidden = true;
      render(JSON.parse(embedded.textContent));
      return;
    }
    $("screen").addEventListener("click", screen);
    $("file").addEventListener("change", function (ev) { if (ev.target.files.length) openFile(ev.target.files[0]); });
    try {
      var saved = window.sessionStorage.getItem("depscreen-key");
      if (saved) $("api-key").value = saved;
      $("api-key").addEventListener("change", function () {
        window.sessionStorage.setItem("depscreen-key", $("api-key").value.trim());
      });
    } catch (e) { /* storage blocked: the key is typed each time */ }
  }

  window.depscreenViewer = { parseInput: parseInput, render: render, viewFromResponse: viewFromResponse,
                             current: function () { return current; } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
