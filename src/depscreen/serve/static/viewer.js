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
                       score: score ? parseFloat(score[1]) : null, probabilities: null, features: [], posts: posts }] };
  }

  // ------------------------------------------------------------------ building views
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
    return { id: id, score: result ? result.score : (exp.score === undefined ? null : exp.score),
             prediction: result ? result.prediction : exp.prediction,
             probabilities: result ? result.probabilities : null,
             features: exp.top_features || [], posts: posts };
  }

  function viewFromResponse(resp, timeline) {
    var users;
    if (resp.level === "post") {
      var posts = timeline.users[0].posts;
      var u = { id: timeline.users[0].user_id, score: null, prediction: null, probabilities: null, features: [],
                postLevel: true, posts: [] };
      var order = resp.results.map(function (r, i) { return [r.score === null ? -Infinity : r.score, i]; })
        .sort(function (a, b) { return b[0] - a[0]; }).slice(0, HIGHLIGHT).map(function (x) { return x[1]; });
      resp.results.forEach(function (r, i) {
        u.posts.push({ index: i, text: posts[i].text, time: posts[i].time, id: posts[i].id,
                       lang: (r.languages && r.languages[0]) || posts[i].lang, weight: r.score, used: true,
                       top: order.indexOf(i) >= 0, prediction: r.prediction,
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
    return { depscreen_view: 1, source: "screened", disclaimer: resp.disclaimer, model: resp.model, users: users };
  }

  // ------------------------------------------------------------------ word colouring
  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  /* Character ranges of `text` matched by each feature, with the feature's contribution. */
  function featureSpans(text, features) {
    var lower = text.toLowerCase(), weights = new Float64Array(text.length);
    var any = false;
    features.forEach(function (f) {
      var name = String(f.feature), c = Number(f.contribution);
      if (!(c > 0)) return;
      if (name.indexOf("__") > 0) {
        var parts = name.split("__");
        if (parts[0] !== "word") return;   // character n-grams are not coloured
        name = parts.slice(1).join("__");
      }
      var words = name.toLowerCase().split(/\s+/).filter(Boolean);
      if (!words.length) return;
      var pattern = words.map(function (w) { return escapeRe(w); })
        .join(CJK.test(name) ? "\\s*" : "[\\s\\p{P}]+");
      var re;
      try {
        re = CJK.test(name) ? new RegExp(pattern, "gu")
          : new RegExp("(?<![\\p{L}\\p{N}_])" + pattern + "(?![\\p{L}\\p{N}_])", "giu");
      } catch (e) { return; }
      var m;
      while ((m = re.exec(lower)) !== null) {
        if (m[0].length === 0) { re.lastIndex++; continue; }
        for (var k = m.index; k < m.index + m[0].length; k++) weights[k] = Math.max(weights[k], c);
        any = true;
      }
    });
    return any ? weights : null;
  }

  function colouredText(text, features, maxC) {
    var frag = document.createDocumentFragment();
    var weights = features && features.length ? featureSpans(text, features) : null;
    if (!weights) { frag.appendChild(document.createTextNode(text)); return frag; }
    var start = 0;
    for (var i = 1; i <= text.length; i++) {
      if (i === text.length || weights[i] !== weights[start]) {
        var piece = text.slice(start, i), w = weights[start];
        if (w > 0) {
          var alpha = (0.15 + 0.65 * Math.min(1, w / maxC)).toFixed(2);
          var span = el("span", { "class": "tok", title: "contribution " + w.toFixed(3) }, [piece]);
          span.style.backgroundColor = "rgba(214, 69, 65, " + alpha + ")";
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
        el("td", { text: String(u.id) }), el("td", { text: fmt(u.score) }),
        el("td", { text: fmt(u.prediction) }), el("td", { text: String(u.posts.length) })]);
      tr.addEventListener("click", function () { showUser(view, i); });
      return tr;
    });
    return el("table", { "class": "users" }, [
      el("tr", null, [el("th", { text: "user" }), el("th", { text: "score" }), el("th", { text: "prediction" }),
                      el("th", { text: "posts" })])].concat(rows));
  }

  function showUser(view, i) {
    var u = view.users[i];
    Array.prototype.forEach.call(document.querySelectorAll(".users tr"), function (tr) {
      tr.classList.toggle("current", tr.getAttribute("data-index") === String(i));
    });
    var holder = $("user-view");
    holder.textContent = "";
    holder.appendChild(el("h2", { text: "User " + u.id }));
    var probs = u.probabilities ? Object.keys(u.probabilities).map(function (c) {
      return c + ": " + fmt(u.probabilities[c]);
    }).join(", ") : "";
    holder.appendChild(el("div", null, [
      el("span", { "class": "score", id: "score", text: u.score === null || u.score === undefined ? "n/a" : fmt(u.score) }),
      el("span", { "class": "meta" }, [" score" + (u.prediction !== null && u.prediction !== undefined
        ? " \u00b7 prediction " + fmt(u.prediction) : "") + (probs ? " \u00b7 " + probs : "")])]));
    holder.appendChild(el("p", { "class": "disclaimer small", text: view.disclaimer ||
      "depscreen is a screening and research tool, not a diagnostic device: its scores are not a diagnosis." }));
    if (u.note) holder.appendChild(el("p", { "class": "small", text: u.note }));
    var maxC = 0;
    (u.features || []).forEach(function (f) { maxC = Math.max(maxC, Number(f.contribution) || 0); });
    if (u.features && u.features.length) {
      holder.appendChild(el("p", { "class": "small", text: "Words coloured by how much they pushed toward the " +
        "prediction (" + fmt(u.prediction) + "); darker is more. Top n-grams:" }));
      holder.appendChild(el("div", { "class": "features feature-list" }, u.features.slice(0, 20).map(function (f) {
        var s = el("span", { "class": "feature", title: "contribution " + fmt(Number(f.contribution)) },
                   [String(f.feature).replace(/^word__/, "")]);
        s.style.backgroundColor = "rgba(214, 69, 65, " +
          (0.15 + 0.65 * Math.min(1, (Number(f.contribution) || 0) / (maxC || 1))).toFixed(2) + ")";
        return s;
      })));
    }
    var ws = u.posts.map(function (p) { return p.weight; }).filter(function (w) { return w !== null && w !== undefined; });
    var lo = Math.min.apply(null, ws.concat([0])), hi = Math.max.apply(null, ws.concat([0]));
    var rows = u.posts.map(function (p) {
      var frac = (p.weight === null || p.weight === undefined || hi === lo) ? 0 : (p.weight - lo) / (hi - lo);
      var bar = el("span", { "class": "barbox" }, [el("span", { "class": "bar" })]);
      bar.firstChild.style.width = (100 * frac).toFixed(1) + "%";
      var textCell = el("td", { "class": "text-cell" });
      if (p.text === null || p.text === undefined) textCell.appendChild(el("span", { "class": "small", text: "(text not in this file)" }));
      else {
        var span = el("span", { "class": "post-text" });
        var feats = p.features && p.features.length ? p.features : u.features;
        var localMax = 0;
        (feats || []).forEach(function (f) { localMax = Math.max(localMax, Number(f.contribution) || 0); });
        span.appendChild(colouredText(p.text, feats, localMax || 1));
        textCell.appendChild(span);
        textCell.appendChild(el("span", { "class": "hidden-text", text: "(text hidden, " + p.text.length + " characters)" }));
      }
      return el("tr", { "class": (p.top ? "top" : "") + (p.used === false ? " unused" : ""),
                        "data-index": String(p.index) }, [
        el("td", { "class": "small", text: String(p.index) + (p.id !== null && p.id !== undefined && p.id !== "" ? " \u00b7 " + p.id : "") }),
        el("td", { "class": "small", text: p.time || "" }),
        el("td", null, [p.lang ? el("span", { "class": "lang", text: p.lang }) : null]),
        el("td", null, [bar, el("span", { "class": "weight", text: fmt(p.weight) })]),
        textCell]);
    });
    holder.appendChild(el("p", { "class": "small", text: "Highlighted rows: the " + Math.min(HIGHLIGHT, u.posts.length) +
      " posts with the highest weight (" + (u.postLevel ? "each post's own score" : "the model's weight for the post") + ")." }));
    holder.appendChild(el("table", { "class": "timeline" }, [
      el("tr", null, ["post", "time", "language", "weight", "text"].map(function (h) { return el("th", { text: h }); }))
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
      render(viewFromResponse(resp, timeline));
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
