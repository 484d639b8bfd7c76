"""Build a depression-domain lexicon from a depressed corpus D1 and a control corpus D2.

:class:`LexiconBuilder` runs the whole of paper 002's construction, with the method
switchable so the baselines share every other step:

1. seeds -- TF-IDF contrast of D1 against D2 (:func:`~depscreen.lexicon.seeds.extract_seeds`),
   or a user's seed file;
2. word vectors -- Word2Vec trained on the corpus (plus any extra text), or a user's
   vector file, or both combined;
3. candidates -- every word whose cosine similarity to a seed exceeds ``tc``;
4. labels -- ``"w2v-lpa"`` label propagation on the weighted word graph (the paper's
   method), or one of the baselines ``"w2v"``, ``"so-w2v"``, ``"so-pmi"``.

The result is a :class:`~depscreen.lexicon.lexicon.Lexicon` (``lexicon_``): the seeds
(source ``"seed"``) and every candidate that received a polarity.

Example
-------
>>> docs = [["sad", "tears", "night"]] * 30 + [["happy", "sun", "day"]] * 30
>>> y = [1] * 30 + [0] * 30
>>> b = LexiconBuilder(n_seeds=2, tc=0.0, vector_size=8, min_count=1, seed_min_df=1,
...                    stopwords=False).fit(docs, y)
>>> b.lexicon_.polarity(b.seeds_.depressive[0])
1
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

import numpy as np
from gensim.models import KeyedVectors
from sklearn.base import BaseEstimator

from ..corpus.types import PostCorpus, PostRecord, User, UserCorpus
from .baselines import so_pmi_scores, so_w2v_scores, w2v_scores
from .graph import VECTOR_POSTPROCESS, build_graph, candidate_words, postprocess_vectors
from .lexicon import Lexicon, LexiconEntry
from .propagation import propagate_labels
from .seeds import SELF_DISCLOSURE_KEYWORDS, SeedSet, extract_seeds, is_wordlike, load_seeds

log = logging.getLogger(__name__)

METHODS = ("w2v-lpa", "w2v", "so-w2v", "so-pmi")


def tokenize_documents(
    texts: Sequence[str], lang: str = "auto", slang: Mapping[str, str] | None = None
) -> tuple[list[list[str]], str]:
    """Tokenise texts with :func:`depscreen.text.tokenize`; ``lang="auto"`` detects the
    majority language of a sample. ``slang`` is the Indonesian slang table (None: this
    machine's). Returns the token lists and the language used."""
    from ..text import get_tokenizer, tokenize

    if lang == "auto":
        lang = majority_language(texts)
    table = True if slang is None else slang
    if lang == "auto":  # no majority: each text's own language
        return [tokenize(t, lang, slang=table) for t in texts], lang
    tok = get_tokenizer(lang, slang=table)  # once: a slang table is hashed once, not per text
    return [tok(t) for t in texts], lang


def majority_language(texts: Sequence[str], sample: int = 200) -> str:
    """The most common of zh / en / id among a spread-out sample of ``texts``, or
    ``"auto"`` (per-text detection) when none is recognised."""
    from ..text import detect_language

    step = max(1, len(texts) // sample)
    picked = [t for t in texts[::step] if t and t.strip()][:sample]
    votes = Counter(detect_language(t) for t in picked)
    known = [(n, lang) for lang, n in votes.items() if lang in {"zh", "en", "id"}]
    return max(known)[1] if known else "auto"


def self_disclosure_keywords(lang: str) -> set[str]:
    """The words a depressed corpus is typically collected with ("diagnosed",
    "depression", "确诊", "抑郁症", "didiagnosis", ...): they say how D1 was made, not how
    depressed people write, so they may not be seeds (see :data:`SELF_DISCLOSURE_KEYWORDS`)."""
    return set(SELF_DISCLOSURE_KEYWORDS.get(lang, ()))


def split_documents(X: Any, y: Any = None, positive_labels: Any = None) -> tuple[list[Any], list[bool]]:
    """Posts of ``X`` (one document each) and whether each belongs to D1 (its label is
    in ``positive_labels``, default 1 / True). Raises when either side is empty."""
    docs, labels = _documents(X, y)
    positive = set(positive_labels) if positive_labels is not None else {1, True}
    is_d1 = [label in positive for label in labels]
    if not any(is_d1) or all(is_d1):
        raise ValueError(
            f"need posts in both corpora: D1 (labels {sorted(map(str, positive))}) has "
            f"{sum(is_d1)}, D2 has {len(is_d1) - sum(is_d1)}"
        )
    return docs, is_d1


def _documents(X: Any, y: Any) -> tuple[list[Any], list[Any]]:
    """Flatten corpora / users into (document, label) pairs, one document per post."""
    if isinstance(X, (UserCorpus, PostCorpus)):
        if y is None:
            y = X.labels
        X = X.items
    if y is None:
        raise ValueError("labels y are required (1 / positive_labels = depressed corpus D1)")
    X = list(X)
    y = list(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)} labels")
    docs, labels = [], []
    for x, label in zip(X, y):
        if isinstance(x, User):
            for post in x.posts:
                docs.append(post.text)
                labels.append(label)
        elif isinstance(x, PostRecord):
            docs.append(x.text)
            labels.append(label)
        elif isinstance(x, str) or (isinstance(x, (list, tuple)) and all(isinstance(t, str) for t in x)):
            docs.append(x)
            labels.append(label)
        else:
            raise TypeError(
                f"expected str, token list, User or PostRecord samples, got {type(x).__name__}"
            )
    return docs, labels


class LexiconBuilder(BaseEstimator):
    """Construct a depression-domain lexicon (W2V-LPA or a baseline), scikit-learn style.

    Parameters
    ----------
    method : ``"w2v-lpa"`` (paper 002), ``"w2v"``, ``"so-w2v"`` or ``"so-pmi"``.
    n_seeds : number of extracted seeds, half depressive (ignored when ``seeds`` is given).
    tc : cosine-similarity threshold for candidates and graph edges.
    seeds : a seed file (see :func:`~depscreen.lexicon.seeds.load_seeds`) or a
        :class:`SeedSet`; None extracts seeds by TF-IDF contrast.
    seed_min_df : an extracted seed occurs in at least this many posts of its corpus.
    strict_seeds : raise when fewer than ``n_seeds`` seeds can be extracted (False: use
        the ones found, logging a warning).
    stopwords : keep stopwords (of ``depscreen.text``, which keeps negations and
        first-person pronouns) out of seeds and candidates, and self-disclosure keywords
        out of the seeds.
    stopword_langs : languages whose stopwords apply (default: the corpus language);
        for mixed-language corpora.
    stopword_tables : the function-word lists by language (``{"zh": [...]}``), e.g. the
        ones a saved model pinned; a language not given uses this machine's full lists,
        pronouns and negations included (``function_words_LANG`` of
        :func:`depscreen.text.pinned.local_table`: they carry signal as *features*, not as
        domain vocabulary).
    exclude_words : further words that may not be seeds.
    vectors : a word-vector file (word2vec text / binary); None trains Word2Vec.
    combine_vectors : with ``vectors``, also train on the corpus and concatenate both.
    vector_postprocess : ``"center"`` (default: subtract the mean vector), ``"abtt"`` or
        ``"none"`` before similarities are thresholded; see
        :func:`~depscreen.lexicon.graph.postprocess_vectors` (small-corpus vectors make
        every cosine high, so Tc would lose its meaning).
    vector_size, window, min_count, epochs : Word2Vec settings (skip-gram).
    hops : candidate-expansion rounds.
    candidate_edges : also link candidates to each other in the LPA graph (default: the
        paper's graph, expansion edges only -- with ``hops=1`` propagation is then a
        similarity-weighted vote of the seeds each word reaches).
    max_neighbors : keep each node's strongest edges only (None: all above ``tc``).
    min_score : W2V-LPA keeps candidates with ``|label| > min_score``.
    tol, max_iter : label-propagation convergence settings.
    pmi_unit, pmi_window, pmi_smoothing : SO-PMI co-occurrence unit (``"document"`` or
        ``"window"``), window length and joint-count smoothing.
    positive_labels : labels that mark D1 (default: 1 / True).
    lang : ``"zh"``, ``"en"``, ``"id"`` or ``"auto"`` (for raw-text input).
    seed : random seed (Word2Vec).
    workers : Word2Vec threads (1 keeps results reproducible).

    Attributes
    ----------
    lexicon_ : Lexicon
    seeds_ : SeedSet used (after dropping seeds missing from the vectors)
    missing_seeds_ : seeds absent from the word vectors
    vectors_ : gensim KeyedVectors used for similarities (after ``vector_postprocess``)
    raw_vectors_ : the trained / loaded vectors before post-processing
    candidates_ : candidate words reached from the seeds
    n_iter_, converged_ : label-propagation iterations and convergence (W2V-LPA only)
    graph_ : the word graph (W2V-LPA only)
    lang_ : language used for tokenisation
    resources_ : the word tables the fit used (function words per language, the
        Indonesian slang table when raw Indonesian text was tokenised): per table its
        SHA-256, size and sources (:func:`depscreen.text.pinned.describe_resources`)
    """

    def __init__(
        self,
        method: str = "w2v-lpa",
        *,
        n_seeds: int = 80,
        tc: float = 0.5,
        seeds: str | SeedSet | None = None,
        seed_min_df: int = 3,
        strict_seeds: bool = True,
        stopwords: bool = True,
        stopword_langs: Sequence[str] | None = None,
        stopword_tables: Mapping[str, Collection[str]] | None = None,
        exclude_words: Collection[str] | None = None,
        vectors: str | None = None,
        combine_vectors: bool = False,
        vector_postprocess: str = "center",
        vector_size: int = 100,
        window: int = 5,
        min_count: int = 3,
        epochs: int = 10,
        hops: int = 1,
        candidate_edges: bool = False,
        max_neighbors: int | None = None,
        min_score: float = 0.0,
        tol: float = 1e-6,
        max_iter: int = 1000,
        pmi_unit: str = "document",
        pmi_window: int = 5,
        pmi_smoothing: float = 0.0,
        positive_labels: Collection[Any] | None = None,
        lang: str = "auto",
        seed: int = 13,
        workers: int = 1,
    ):
        self.method = method
        self.n_seeds = n_seeds
        self.tc = tc
        self.seeds = seeds
        self.seed_min_df = seed_min_df
        self.strict_seeds = strict_seeds
        self.stopwords = stopwords
        self.stopword_langs = stopword_langs
        self.stopword_tables = stopword_tables
        self.exclude_words = exclude_words
        self.vectors = vectors
        self.combine_vectors = combine_vectors
        self.vector_postprocess = vector_postprocess
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.epochs = epochs
        self.hops = hops
        self.candidate_edges = candidate_edges
        self.max_neighbors = max_neighbors
        self.min_score = min_score
        self.tol = tol
        self.max_iter = max_iter
        self.pmi_unit = pmi_unit
        self.pmi_window = pmi_window
        self.pmi_smoothing = pmi_smoothing
        self.positive_labels = positive_labels
        self.lang = lang
        self.seed = seed
        self.workers = workers

    # -- fitting -----------------------------------------------------------------------
    def _validate(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method '{self.method}'; use one of {', '.join(METHODS)}")
        if self.pmi_unit not in {"document", "window"}:
            raise ValueError(f"pmi_unit must be 'document' or 'window', got {self.pmi_unit!r}")
        if self.combine_vectors and not self.vectors:
            raise ValueError("combine_vectors=True needs a vectors file")
        if self.vector_postprocess not in VECTOR_POSTPROCESS:
            raise ValueError(
                f"vector_postprocess must be one of {VECTOR_POSTPROCESS}, got {self.vector_postprocess!r}"
            )
        if self.min_score < 0:
            raise ValueError(f"min_score must be >= 0, got {self.min_score}")

    def fit(
        self,
        X: Any,
        y: Any = None,
        *,
        word_vectors: KeyedVectors | None = None,
        extra_texts: Sequence[Any] | None = None,
    ) -> "LexiconBuilder":
        """Build the lexicon from posts ``X`` labelled ``y`` (D1 = ``positive_labels``).

        Parameters
        ----------
        X : posts as ``str`` or token lists, :class:`User` objects (each post a document,
            labelled with its user), :class:`PostRecord` objects, or a corpus (then ``y``
            defaults to its labels).
        y : labels; D1 = posts whose label is in ``positive_labels``, D2 = the rest.
        word_vectors : ready word vectors (e.g. shared by a parameter sweep); overrides
            ``vectors`` and training.
        extra_texts : more text (str or token lists) for Word2Vec training only.
        """
        docs, is_d1 = split_documents(X, y, self.positive_labels)
        return self._fit_documents(docs, is_d1, word_vectors, extra_texts)

    def fit_corpora(self, depressed: Any, control: Any, **fit_params: Any) -> "LexiconBuilder":
        """Build from two corpora (or lists of posts): ``depressed`` = D1, ``control`` = D2."""
        d1, _ = _documents(depressed, [1] * len(_items(depressed)))
        d2, _ = _documents(control, [0] * len(_items(control)))
        if not d1 or not d2:
            raise ValueError(f"need posts in both corpora: D1 has {len(d1)}, D2 has {len(d2)}")
        return self._fit_documents(
            d1 + d2, [True] * len(d1) + [False] * len(d2),
            fit_params.get("word_vectors"), fit_params.get("extra_texts"),
        )

    def _fit_documents(
        self,
        docs: list[Any],
        is_d1: list[bool],
        word_vectors: KeyedVectors | None,
        extra_texts: Sequence[Any] | None,
    ) -> "LexiconBuilder":
        self._validate()
        self._slang_used = None
        tokens, self.lang_ = self._tokens(docs)
        d1 = [t for t, p in zip(tokens, is_d1) if p]
        d2 = [t for t, p in zip(tokens, is_d1) if not p]
        self.n_documents_ = {"depressed": len(d1), "control": len(d2)}

        extra_tokens: list[list[str]] = []
        if extra_texts is not None:
            raw = list(extra_texts)
            str_idx = [i for i, t in enumerate(raw) if isinstance(t, str)]
            if str_idx:
                toks, _ = tokenize_documents([raw[i] for i in str_idx], self.lang_)
                for i, t in zip(str_idx, toks):
                    raw[i] = t
            extra_tokens = [list(t) for t in raw]
        self.raw_vectors_ = self._word_vectors(tokens + extra_tokens, word_vectors)
        self.vectors_ = postprocess_vectors(self.raw_vectors_, self.vector_postprocess)

        seeds = self._seeds(d1, d2)
        self.seeds_, self.missing_seeds_ = seeds.restrict(self.vectors_.key_to_index)
        if self.missing_seeds_:
            log.info("%d seed(s) are not in the word vectors and are dropped", len(self.missing_seeds_))

        self.graph_ = None
        self.n_iter_ = None
        self.converged_ = None
        if self.method == "w2v-lpa":
            graph = build_graph(
                self.vectors_, self.seeds_, self.tc, hops=self.hops,
                candidate_edges=self.candidate_edges, max_neighbors=self.max_neighbors,
                word_filter=self._candidate_filter(),
            )
            result = propagate_labels(
                graph.adjacency, graph.labels, graph.clamped, tol=self.tol, max_iter=self.max_iter
            )
            self.graph_ = graph
            self.n_iter_ = result.n_iter
            self.converged_ = result.converged
            self.candidates_ = graph.candidates
            scores = dict(zip(graph.candidates, result.scores[graph.n_seeds :].tolist()))
            threshold = self.min_score
        else:
            _, self.candidates_, _ = candidate_words(
                self.vectors_, self.seeds_, self.tc, hops=self.hops,
                word_filter=self._candidate_filter(),
            )
            if self.method == "w2v":
                scores = w2v_scores(self.vectors_, self.seeds_, self.candidates_, self.tc)
            elif self.method == "so-w2v":
                scores = so_w2v_scores(self.vectors_, self.seeds_, self.candidates_)
            else:
                scores = so_pmi_scores(
                    d1 + d2, self.seeds_, self.candidates_, unit=self.pmi_unit,
                    window=self.pmi_window, smoothing=self.pmi_smoothing,
                )
            threshold = 0.0
        self.lexicon_ = self._lexicon(scores, threshold)
        self.resources_ = self._resources()
        return self

    # -- steps -------------------------------------------------------------------------
    def _tokens(self, docs: list[Any]) -> tuple[list[list[str]], str]:
        str_idx = [i for i, d in enumerate(docs) if isinstance(d, str)]
        out: list[list[str]] = [list(d) if not isinstance(d, str) else [] for d in docs]
        lang = self.lang
        if str_idx:
            texts = [docs[i] for i in str_idx]
            if lang == "auto":
                lang = majority_language(texts)
            slang = None
            if lang in ("id", "auto"):  # Indonesian, or no majority language: the slang table may be read
                from ..text.pinned import local_table

                slang = self._slang_used = local_table("id_slang")
            toks, lang = tokenize_documents(texts, lang, slang=slang[0] if slang else None)
            for i, t in zip(str_idx, toks):
                out[i] = t
        elif lang == "auto" and self.stopwords:
            # token lists only: the language decides which stopwords to keep out of the seeds
            lang = majority_language([" ".join(t) for t in out])
        return out, lang

    def _word_vectors(self, sentences: list[list[str]], given: KeyedVectors | None) -> KeyedVectors:
        if given is not None:
            return given
        from ..embed.wordvectors import combine_word_vectors, load_word_vectors, train_word_vectors

        def trained() -> KeyedVectors:
            return train_word_vectors(
                sentences, vector_size=self.vector_size, window=self.window,
                min_count=self.min_count, epochs=self.epochs, seed=self.seed, workers=self.workers,
            )

        if self.vectors:
            loaded = load_word_vectors(self.vectors)
            return combine_word_vectors(trained(), loaded) if self.combine_vectors else loaded
        return trained()

    def _stopword_langs(self) -> list[str]:
        langs = self.stopword_langs if self.stopword_langs is not None else [self.lang_]
        return [code for code in langs if code in {"zh", "en", "id"}]

    def _function_words(self, code: str) -> tuple[set[str], list[str]]:
        """The function words of ``code`` (given in ``stopword_tables`` or this machine's)
        and where they came from."""
        given = (self.stopword_tables or {}).get(code)
        if given is not None:
            return set(given), ["parameter:stopword_tables"]
        from ..text.pinned import local_table

        words, sources = local_table(f"function_words_{code}")
        return set(words), sources

    def _stopword_set(self) -> set[str]:
        """Stopwords kept out of seeds and candidates (when ``stopwords`` is on)."""
        out: set[str] = set()
        if self.stopwords:
            for code in self._stopword_langs():
                out |= self._function_words(code)[0]
        return out

    def _resources(self) -> dict[str, dict]:
        """Hash, size and sources of every word table this fit used (no content)."""
        from ..text.pinned import describe_resources

        tables, sources = {}, {}
        if self.stopwords:
            for code in self._stopword_langs():
                name = f"function_words_{code}"
                tables[name], sources[name] = self._function_words(code)
        if getattr(self, "_slang_used", None) is not None and self.lang_ in ("id", "auto"):
            tables["id_slang"], sources["id_slang"] = self._slang_used
        records = describe_resources(tables, sources)
        return {name: {k: v for k, v in r.items() if k != "data"} for name, r in records.items()}

    def _blocked_words(self) -> set[str]:
        """Words that may not be seeds: stopwords, self-disclosure keywords, exclusions."""
        blocked = set(self.exclude_words or ()) | self._stopword_set()
        if self.stopwords:
            for code in self._stopword_langs():
                blocked |= self_disclosure_keywords(code)
        return blocked

    def _candidate_filter(self):
        stop = self._stopword_set()
        if not stop:
            return is_wordlike
        return lambda w: is_wordlike(w) and w not in stop

    def _seeds(self, d1: list[list[str]], d2: list[list[str]]) -> SeedSet:
        if isinstance(self.seeds, SeedSet):
            return self.seeds
        if self.seeds is not None:
            return load_seeds(Path(self.seeds))
        return extract_seeds(
            d1, d2, n_seeds=self.n_seeds, stopwords=self._blocked_words(),
            vocabulary=self.vectors_.key_to_index, min_df=self.seed_min_df,
            strict=self.strict_seeds,
        )

    def _lexicon(self, scores: dict[str, float], threshold: float) -> Lexicon:
        entries = [
            LexiconEntry(w, 1 if self.seeds_.labels[w] > 0 else 0,
                         float(self.seeds_.labels[w]), "seed")
            for w in self.seeds_.order
        ]
        kept = [(w, s) for w, s in scores.items() if abs(s) > threshold]
        kept.sort(key=lambda ws: (-abs(ws[1]), ws[0]))
        entries += [LexiconEntry(w, 1 if s > 0 else 0, float(s), "expanded") for w, s in kept]
        return Lexicon(entries, name=self.method)

    # -- output -----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Sizes and settings of the last fit (no text)."""
        if not hasattr(self, "lexicon_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("LexiconBuilder is not fitted yet: call fit(X, y) first")
        return {
            "method": self.method,
            "lang": self.lang_,
            "n_seeds": len(self.seeds_),
            "missing_seeds": len(self.missing_seeds_),
            "tc": self.tc,
            "vocabulary": len(self.vectors_.index_to_key),
            "candidates": len(self.candidates_),
            "size": len(self.lexicon_),
            "depressive": len(self.lexicon_.depressive),
            "non_depressive": len(self.lexicon_.non_depressive),
            "n_iter": self.n_iter_,
            "converged": self.converged_,
            "documents": self.n_documents_,
            "resources": self.resources_,
        }


def _items(X: Any) -> list[Any]:
    if isinstance(X, (UserCorpus, PostCorpus)):
        return X.items
    return list(X)
