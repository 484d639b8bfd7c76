"""Six groups of hand-made user features (paper 002's detection step), as transformers.

Each group is a scikit-learn transformer over a list of users (``User`` or the
:class:`TokenizedUser` that :func:`tokenize_users` makes, so a union tokenises once):

========================  =====================================================================
``TopicKeywords``         counts of the ``n_keywords`` (30) words with the highest mean TF-IDF
                          over the training users (stopwords and placeholders left out)
``PostingBehaviour``      mean post length (characters, tokens); where post times exist: share
                          of posts at night (00:00-05:59), share on weekdays, posts per day;
                          ``has_time`` says whether any time was available
``PostVolume``            number of posts and its logarithm
``FirstPerson``           first-person pronoun rate per token and share of posts with one
                          (per-language lists of :mod:`depscreen.text`)
``LinguisticStyle``       mean word vector of the user's tokens, Word2Vec trained on the
                          training fold (or given vectors)
``LexiconFeatures``       counts and rates of depressive / non-depressive lexicon words, the
                          share of posts with a depressive word, and a polarity score
                          ``(dep - non) / (dep + non)``; the lexicon is given, or built from
                          the training fold only (no leakage)
========================  =====================================================================

:class:`UserFeatureUnion` tokenises once and concatenates the chosen groups. The word
tables it uses (the Indonesian slang table of the tokeniser, the stopword lists of the
topic keywords and the function words kept out of the lexicon), for the languages its
training users write, are resolved once at fit into ``text_tables_`` and saved with the
model by content hash
(:class:`~depscreen.text.pinned.PinnedTables`), so a loaded model tokenises as it did
when it was trained, on any machine, or says which table is missing.

Example
-------
>>> from depscreen.corpus import Post, User
>>> users = [User("a", 1, [Post("I feel so alone tonight", "2020-01-01T02:00:00")]),
...          User("b", 0, [Post("Great game with friends today", "2020-01-04T15:00:00")])]
>>> PostVolume().fit(users).transform(users).tolist()
[[1.0, 0.6931471805599453], [1.0, 0.6931471805599453]]
"""

from __future__ import annotations

import hashlib
import math
import re
import weakref
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from ..corpus.types import User
from ..lexicon.lexicon import Lexicon
from ..lexicon.seeds import is_wordlike
from ..text.pinned import PinnedTables

LANGS = ("zh", "en", "id")


@dataclass
class TokenizedUser:
    """A user with each post's tokens and the language used to tokenise them."""

    user: User
    lang: str
    tokens: list[list[str]]

    @property
    def n_tokens(self) -> int:
        return sum(len(t) for t in self.tokens)


def user_language(user: User, lang: str = "auto") -> str:
    """``lang`` unless ``"auto"``: then the posts' own ``lang`` fields by majority, else
    detection on the user's first posts (``"en"`` when nothing is recognised)."""
    if lang != "auto":
        return lang
    marked = Counter(p.lang for p in user.posts if p.lang in LANGS)
    if marked:
        return marked.most_common(1)[0][0]
    from ..text import detect_language

    sample = " ".join(p.text for p in user.posts[:20])[:2000]
    found = detect_language(sample) if sample.strip() else "unknown"
    return found if found in LANGS else "en"


# Cross-validation hands the same User objects to every fold and every model: their
# tokens are kept (per user object and language setting) while the object is alive, so a
# timeline is tokenised once per run rather than once per fold and model.
_CACHE: dict[tuple[int, str], tuple[weakref.ref, int, TokenizedUser]] = {}
_CACHE_MAX = 200_000


def _cached(user: User, lang: str) -> TokenizedUser | None:
    hit = _CACHE.get((id(user), lang))
    if hit is None:
        return None
    ref, n_posts, tokenized = hit
    if ref() is user and n_posts == len(user.posts):
        return tokenized
    return None


def _remember(user: User, lang: str, tokenized: TokenizedUser) -> None:
    if len(_CACHE) >= _CACHE_MAX:
        for key in [k for k, (ref, _, _) in _CACHE.items() if ref() is None] or list(_CACHE)[: _CACHE_MAX // 2]:
            _CACHE.pop(key, None)
    _CACHE[(id(user), lang)] = (weakref.ref(user), len(user.posts), tokenized)


def tokenize_users(X: Sequence[Any], lang: str = "auto", tables: PinnedTables | None = None) -> list[TokenizedUser]:
    """Normalise (placeholders for links, mentions, ...) and tokenise every post.

    ``tables`` gives the Indonesian slang table (``id_slang``) a model pinned; without
    it this machine's table is used. Already tokenised users pass through unchanged; a
    user seen before (the same object, same number of posts, same tables) is served from
    a cache.
    """
    from ..text import get_tokenizer, normalise

    slang = tables.get("id_slang") if tables is not None else None
    key = lang if tables is None else f"{lang}|{tables.key}"
    tokenizers: dict[str, Any] = {}  # one per language: a slang table is hashed once, not per post

    def tokenizer(code: str):
        if code not in tokenizers:
            table = slang if slang is not None and code == "id" else True
            tokenizers[code] = get_tokenizer(code, punctuation=False, slang=table)
        return tokenizers[code]

    out = []
    for x in X:
        if isinstance(x, TokenizedUser):
            out.append(x)
            continue
        if not isinstance(x, User):
            raise TypeError(f"user features need User samples, got {type(x).__name__}")
        cached = _cached(x, key)
        if cached is not None:
            out.append(cached)
            continue
        code = user_language(x, lang)
        tokens = [tokenizer(code)(normalise(p.text, lang=code)) for p in x.posts]
        tokenized = TokenizedUser(x, code, tokens)
        _remember(x, key, tokenized)
        out.append(tokenized)
    return out


# Results of the two expensive fits (Word2Vec of the style group, the in-fold lexicon) are
# kept for a few training sets: under cross-validation the ten feature classifiers see the
# same training fold, and training is deterministic for given data and settings (seeded,
# one thread), so the second model reuses the first one's vectors and lexicon.
_FIT_CACHE: "OrderedDict[tuple, Any]" = OrderedDict()
_FIT_CACHE_MAX = 48  # style + lexicon for 24 folds (compare runs model by model)


def fingerprint(users: Sequence[TokenizedUser]) -> str:
    """A digest of the users' tokens and languages (identifies a training set)."""
    h = hashlib.blake2b(digest_size=16)
    for u in users:
        h.update(u.lang.encode())
        for post in u.tokens:
            h.update("\x1f".join(post).encode("utf-8", "surrogatepass"))
            h.update(b"\x1e")
        h.update(b"\x1d")
    return h.hexdigest()


def _cached_fit(key: tuple, compute):
    if key in _FIT_CACHE:
        _FIT_CACHE.move_to_end(key)
        return _FIT_CACHE[key]
    value = compute()
    _FIT_CACHE[key] = value
    while len(_FIT_CACHE) > _FIT_CACHE_MAX:
        _FIT_CACHE.popitem(last=False)
    return value


class _UserTransformer(TransformerMixin, BaseEstimator):
    """Shared plumbing: tokenise users on the way in, name the output columns."""

    lang = "auto"

    def _users(self, X: Sequence[Any]) -> list[TokenizedUser]:
        return tokenize_users(X, getattr(self, "lang", "auto"))

    def fit(self, X: Sequence[Any], y: Any = None) -> "_UserTransformer":
        self._fit(self._users(X), y)
        self.n_features_out_ = len(self._names())
        return self

    def transform(self, X: Sequence[Any]) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        users = self._users(X)
        out = np.array([self._row(u) for u in users], dtype=np.float64).reshape(
            len(users), self.n_features_out_
        )
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        return np.array(self._names(), dtype=object)

    def _fit(self, users: list[TokenizedUser], y: Any) -> None:
        pass

    def _names(self) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError

    def _row(self, user: TokenizedUser) -> list[float]:  # pragma: no cover - interface
        raise NotImplementedError


def _identity(doc):
    return doc


class TopicKeywords(_UserTransformer):
    """Counts (or rates) of the ``n_keywords`` top mean-TF-IDF words of the training users.

    Each user is one document. Stopwords of the user's language, placeholders and
    tokens without a letter are never keywords. ``stopwords`` gives the lists by
    language (a model's pinned ones); without it this machine's lists are used.
    """

    def __init__(self, n_keywords: int = 30, rate: bool = False, lang: str = "auto", stopwords: Any = None):
        self.n_keywords = n_keywords
        self.rate = rate
        self.lang = lang
        self.stopwords = stopwords

    def _fit(self, users: list[TokenizedUser], y: Any) -> None:
        from ..text import get_stopwords

        blocked: set[str] = set()
        for code in {u.lang for u in users} & set(LANGS):
            given = (self.stopwords or {}).get(code)
            blocked |= set(given) if given is not None else get_stopwords(code)
        docs = [[t for post in u.tokens for t in post if is_wordlike(t) and t not in blocked] for u in users]
        if not any(docs):
            self.keywords_ = []
            return
        vec = TfidfVectorizer(analyzer=_identity, lowercase=False)
        matrix = vec.fit_transform(docs)
        mean = np.asarray(matrix.mean(axis=0)).ravel()
        names = vec.get_feature_names_out()
        order = sorted(range(len(names)), key=lambda i: (-mean[i], names[i]))
        self.keywords_ = [str(names[i]) for i in order[: self.n_keywords]]

    def _names(self) -> list[str]:
        return [f"topic:{w}" for w in self.keywords_]

    def _row(self, user: TokenizedUser) -> list[float]:
        counts = Counter(t for post in user.tokens for t in post)
        denom = max(1, user.n_tokens) if self.rate else 1
        return [counts[w] / denom for w in self.keywords_]


def parse_time(value: str | None) -> datetime | None:
    """ISO 8601 (``Z`` allowed) or the Twitter form ``Sun Aug 30 07:48:37 +0000 2015``;
    None when absent or unreadable. The wall-clock hour is kept as written."""
    if not value:
        return None
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in ("%a %b %d %H:%M:%S %z %Y", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


class PostingBehaviour(_UserTransformer):
    """Mean post length, and the posting-time features the data allow.

    Columns: ``mean_chars``, ``mean_tokens``, ``night_share`` (00:00-05:59),
    ``weekday_share`` (Monday-Friday), ``posts_per_day`` (posts / days between first and
    last post, at least one day), ``has_time`` (1 when any post has a readable time).
    Time columns are 0 for users without times.
    """

    def __init__(self, lang: str = "auto"):
        self.lang = lang

    def _names(self) -> list[str]:
        return [
            "behaviour:mean_chars",
            "behaviour:mean_tokens",
            "behaviour:night_share",
            "behaviour:weekday_share",
            "behaviour:posts_per_day",
            "behaviour:has_time",
        ]

    def _row(self, user: TokenizedUser) -> list[float]:
        posts = user.user.posts
        n = max(1, len(posts))
        mean_chars = sum(len(p.text) for p in posts) / n
        mean_tokens = user.n_tokens / n
        times = [t for t in (parse_time(p.time) for p in posts) if t is not None]
        if not times:
            return [mean_chars, mean_tokens, 0.0, 0.0, 0.0, 0.0]
        night = sum(t.hour < 6 for t in times) / len(times)
        weekday = sum(t.weekday() < 5 for t in times) / len(times)
        try:
            span = (max(times) - min(times)).total_seconds() / 86400.0
        except TypeError:  # naive and aware times mixed: compare wall clocks
            naive = [t.replace(tzinfo=None) for t in times]
            span = (max(naive) - min(naive)).total_seconds() / 86400.0
        rate = len(times) / max(1.0, span)
        return [mean_chars, mean_tokens, night, weekday, rate, 1.0]


class PostVolume(_UserTransformer):
    """Number of posts and ``log(1 + n)``."""

    def __init__(self, lang: str = "auto"):
        self.lang = lang

    def _users(self, X: Sequence[Any]) -> list[Any]:
        return list(X)  # no tokens needed

    def _names(self) -> list[str]:
        return ["volume:n_posts", "volume:log_posts"]

    def _row(self, user: Any) -> list[float]:
        n = len(user.user.posts if isinstance(user, TokenizedUser) else user.posts)
        return [float(n), math.log1p(n)]


@lru_cache(maxsize=None)
def first_person_words(lang: str) -> frozenset[str]:
    """First-person pronouns of ``lang`` (the shared list of :mod:`depscreen.text`)."""
    from ..text.resources import signal_words

    return signal_words(lang, kinds=("first_person",))


class FirstPerson(_UserTransformer):
    """First-person pronoun rate per token and share of posts with one (per language)."""

    def __init__(self, lang: str = "auto"):
        self.lang = lang

    def _names(self) -> list[str]:
        return ["first_person:rate", "first_person:post_share"]

    def _row(self, user: TokenizedUser) -> list[float]:
        words = first_person_words(user.lang) if user.lang in LANGS else frozenset()
        hits = [sum(t.lower() in words for t in post) for post in user.tokens]
        rate = sum(hits) / max(1, user.n_tokens)
        share = sum(h > 0 for h in hits) / max(1, len(hits))
        return [rate, share]


class LinguisticStyle(_UserTransformer):
    """Mean word vector of the user's tokens (Word2Vec trained on the training fold).

    ``vectors`` (gensim ``KeyedVectors``) skips training, e.g. when vectors were loaded
    from a saved model.
    """

    def __init__(
        self,
        vector_size: int = 100,
        window: int = 5,
        min_count: int = 2,
        epochs: int = 5,
        vectors: Any = None,
        seed: int = 13,
        lang: str = "auto",
    ):
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.epochs = epochs
        self.vectors = vectors
        self.seed = seed
        self.lang = lang

    def _fit(self, users: list[TokenizedUser], y: Any) -> None:
        if self.vectors is not None:
            self.vectors_ = self.vectors
            return
        from ..embed.wordvectors import train_word_vectors

        settings = (self.vector_size, self.window, self.min_count, self.epochs, self.seed)
        self.cache_key_ = ("style", fingerprint(users), settings)
        sentences = [post for u in users for post in u.tokens if post]
        self.vectors_ = _cached_fit(self.cache_key_, lambda: train_word_vectors(
            sentences, vector_size=self.vector_size, window=self.window,
            min_count=self.min_count, epochs=self.epochs, seed=self.seed,
        ))

    def _names(self) -> list[str]:
        return [f"style:{i}" for i in range(self.vectors_.vector_size)]

    def _row(self, user: TokenizedUser) -> list[float]:
        kv = self.vectors_
        idx = [kv.key_to_index[t] for post in user.tokens for t in post if t in kv.key_to_index]
        if not idx:
            return [0.0] * kv.vector_size
        return kv.vectors[idx].mean(axis=0).tolist()


class LexiconFeatures(_UserTransformer):
    """Counts and rates of depressive / non-depressive lexicon words.

    Parameters
    ----------
    lexicon : a :class:`Lexicon`, a CSV path, or None to build one on ``fit`` from the
        training users (their posts labelled with the user's label; D1 = ``positive_labels``).
    builder_params : :class:`~depscreen.lexicon.LexiconBuilder` settings for that build.
    positive_labels : labels whose users' posts form D1 (default: 1 for binary labels;
        every label above the lowest for ordinal numeric labels).
    word_vectors : ready vectors for the build (e.g. the style group's).
    match : ``"tokens"`` counts tokens that are lexicon words; ``"substring"`` counts
        occurrences in the text (longest word first), robust to Chinese segmentation that
        differs from the lexicon's; ``"auto"`` = substring for Chinese users, tokens
        otherwise.

    Columns: ``dep_count``, ``non_count``, ``dep_rate``, ``non_rate`` (per token),
    ``dep_post_share``, ``polarity`` = ``(dep - non) / (dep + non)`` (0 without matches).
    """

    def __init__(
        self,
        lexicon: Any = None,
        builder_params: dict | None = None,
        positive_labels: Any = None,
        word_vectors: Any = None,
        match: str = "auto",
        lang: str = "auto",
    ):
        self.lexicon = lexicon
        self.builder_params = builder_params
        self.positive_labels = positive_labels
        self.word_vectors = word_vectors
        self.match = match
        self.lang = lang

    def _fit(self, users: list[TokenizedUser], y: Any) -> None:
        if self.match not in {"auto", "tokens", "substring"}:
            raise ValueError(f"match must be 'auto', 'tokens' or 'substring', got {self.match!r}")
        if isinstance(self.lexicon, Lexicon):
            self.lexicon_ = self.lexicon
        elif self.lexicon is not None:
            self.lexicon_ = Lexicon.from_csv(self.lexicon)
        else:
            if y is None:
                raise ValueError("building a lexicon on fit needs the labels y")
            def build() -> Lexicon:
                return build_lexicon_from_users(
                    users, y, positive_labels=self.positive_labels,
                    builder_params=self.builder_params, word_vectors=self.word_vectors,
                )

            vectors_key = getattr(self, "_vectors_key", None)
            if self.word_vectors is not None and vectors_key is None:
                self.lexicon_ = build()  # vectors of unknown origin: no caching
            else:
                key = (
                    "lexicon", fingerprint(users), tuple(map(repr, y)),
                    repr(self.positive_labels), repr(sorted((self.builder_params or {}).items())),
                    vectors_key,
                )
                self.lexicon_ = _cached_fit(key, build)
        self._prepare()

    def _prepare(self) -> None:
        self.depressive_ = frozenset(self.lexicon_.depressive)
        self.non_depressive_ = frozenset(self.lexicon_.non_depressive)
        self._pattern = _alternation(self.lexicon_.words)

    def _names(self) -> list[str]:
        return [
            "lexicon:dep_count",
            "lexicon:non_count",
            "lexicon:dep_rate",
            "lexicon:non_rate",
            "lexicon:dep_post_share",
            "lexicon:polarity",
        ]

    def _post_matches(self, user: TokenizedUser) -> list[list[str]]:
        mode = self.match
        if mode == "auto":
            mode = "substring" if user.lang == "zh" else "tokens"
        if mode == "tokens":
            words = self.depressive_ | self.non_depressive_
            return [[t for t in post if t in words] for post in user.tokens]
        if self._pattern is None:
            return [[] for _ in user.user.posts]
        return [self._pattern.findall(p.text.lower()) for p in user.user.posts]

    def _row(self, user: TokenizedUser) -> list[float]:
        matches = self._post_matches(user)
        dep = sum(w in self.depressive_ for post in matches for w in post)
        non = sum(w in self.non_depressive_ for post in matches for w in post)
        n_tok = max(1, user.n_tokens)
        share = sum(any(w in self.depressive_ for w in post) for post in matches) / max(1, len(matches))
        polarity = (dep - non) / (dep + non) if dep + non else 0.0
        return [float(dep), float(non), dep / n_tok, non / n_tok, share, polarity]


def _alternation(words: Sequence[str]) -> re.Pattern | None:
    ordered = sorted({w.lower() for w in words if w}, key=lambda w: (-len(w), w))
    if not ordered:
        return None
    return re.compile("|".join(re.escape(w) for w in ordered))


def default_positive_labels(y: Sequence[Any]) -> set[Any]:
    """D1 labels for a lexicon build: ``{1}`` (or ``{True}``) for binary labels; for
    ordinal numeric labels every label above the lowest; other labels must be named."""
    classes = sorted(set(y), key=lambda v: (str(type(v)), v))
    if set(classes) <= {0, 1} or set(classes) <= {False, True}:
        return {1}
    if all(isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool) for c in classes):
        return set(classes[1:])
    raise ValueError(
        f"labels {classes[:6]} are not binary or numeric: name the depressed labels with "
        "lexicon_positive / positive_labels"
    )


def build_lexicon_from_users(
    users: Sequence[Any],
    y: Sequence[Any],
    *,
    positive_labels: Any = None,
    builder_params: dict | None = None,
    word_vectors: Any = None,
) -> Lexicon:
    """Build a lexicon from users' posts (each post labelled D1 when its user's label is
    in ``positive_labels``): the training fold only, so no test user leaks in."""
    from ..lexicon.builder import LexiconBuilder

    users = tokenize_users(users)
    y = list(y)
    positive = set(positive_labels) if positive_labels is not None else default_positive_labels(y)
    docs, is_d1 = [], []
    for u, label in zip(users, y):
        for post in u.tokens:
            if post:
                docs.append(post)
                is_d1.append(1 if label in positive else 0)
    langs = Counter(u.lang for u in users)
    params = {"lang": langs.most_common(1)[0][0] if langs else "auto", **(builder_params or {})}
    if len(langs) > 1:
        # a mixed-language fold: every language's stopwords are kept out
        params.setdefault("stopword_langs", sorted(set(langs) & set(LANGS)))
    builder = LexiconBuilder(**params)
    builder.fit(docs, is_d1, word_vectors=word_vectors)
    return builder.lexicon_


GROUPS = ("topic", "behaviour", "volume", "first_person", "style", "lexicon")


class UserFeatureUnion(TransformerMixin, BaseEstimator):
    """The chosen feature groups side by side, the users tokenised once.

    Parameters
    ----------
    groups : any of ``"topic"``, ``"behaviour"``, ``"volume"``, ``"first_person"``,
        ``"style"``, ``"lexicon"`` (all six by default).
    lang : tokeniser language or ``"auto"`` (per user).
    n_keywords : topic keywords.
    vector_size, w2v_epochs, w2v_min_count : Word2Vec of the style group.
    lexicon, lexicon_params, lexicon_positive, lexicon_match : the lexicon group (see
        :class:`LexiconFeatures`); with no ``lexicon`` it is built from the training fold,
        reusing the style group's word vectors.
    seed : random seed.

    Example
    -------
    >>> union = UserFeatureUnion(groups=("volume", "first_person"))  # doctest: +SKIP
    >>> union.fit(users, y).transform(users).shape  # doctest: +SKIP
    (n_users, 4)
    """

    def __init__(
        self,
        groups: Sequence[str] = GROUPS,
        lang: str = "auto",
        n_keywords: int = 30,
        vector_size: int = 100,
        w2v_epochs: int = 5,
        w2v_min_count: int = 2,
        lexicon: Any = None,
        lexicon_params: dict | None = None,
        lexicon_positive: Any = None,
        lexicon_match: str = "auto",
        seed: int = 13,
    ):
        self.groups = groups
        self.lang = lang
        self.n_keywords = n_keywords
        self.vector_size = vector_size
        self.w2v_epochs = w2v_epochs
        self.w2v_min_count = w2v_min_count
        self.lexicon = lexicon
        self.lexicon_params = lexicon_params
        self.lexicon_positive = lexicon_positive
        self.lexicon_match = lexicon_match
        self.seed = seed

    def _resolve_tables(self, X: Sequence[Any]) -> PinnedTables:
        """This machine's word tables for the languages of the training users ``X``: the
        ones this union's tokeniser and groups read (see the module doc). Languages no
        training user writes need none (and a data folder without them raises no notice)."""
        langs = {x.lang if isinstance(x, TokenizedUser) else user_language(x, self.lang) for x in X}
        return PinnedTables.resolve(self._table_names(tuple(code for code in LANGS if code in langs)))

    def _table_names(self, langs: Sequence[str]) -> list[str]:
        names = ["id_slang"] if "id" in langs else []
        if "topic" in self.groups:
            names += [f"stopwords_{code}" for code in langs]
        if "lexicon" in self.groups and self.lexicon is None:
            names += [f"function_words_{code}" for code in langs]
        return names

    def _tables_by_lang(self, prefix: str) -> dict[str, Any] | None:
        tables = getattr(self, "text_tables_", None)
        if tables is None:
            return None
        return {code: tables.get(prefix + code) for code in LANGS if tables.get(prefix + code) is not None}

    def tokenize(self, X: Sequence[Any]) -> list[TokenizedUser]:
        """Users ``X`` tokenised with this union's (pinned) tables."""
        return tokenize_users(X, self.lang, getattr(self, "text_tables_", None))

    def _make(self, name: str) -> _UserTransformer:
        if name == "topic":
            return TopicKeywords(n_keywords=self.n_keywords, lang=self.lang, stopwords=self._tables_by_lang("stopwords_"))
        if name == "behaviour":
            return PostingBehaviour(lang=self.lang)
        if name == "volume":
            return PostVolume(lang=self.lang)
        if name == "first_person":
            return FirstPerson(lang=self.lang)
        if name == "style":
            return LinguisticStyle(
                vector_size=self.vector_size, epochs=self.w2v_epochs,
                min_count=self.w2v_min_count, seed=self.seed, lang=self.lang,
            )
        if name == "lexicon":
            builder_params = dict(self.lexicon_params or {})
            function_words = self._tables_by_lang("function_words_")
            if function_words:
                builder_params["stopword_tables"] = function_words
            return LexiconFeatures(
                lexicon=self.lexicon, builder_params=builder_params,
                positive_labels=self.lexicon_positive, match=self.lexicon_match, lang=self.lang,
            )
        raise ValueError(f"unknown feature group '{name}'; use any of {', '.join(GROUPS)}")

    def fit(self, X: Sequence[Any], y: Any = None) -> "UserFeatureUnion":
        self.text_tables_ = self._resolve_tables(X)
        self._fit(self.tokenize(X), y)
        return self

    def _fit(self, users: list[TokenizedUser], y: Any) -> None:
        groups = list(self.groups)
        if not groups:
            raise ValueError("choose at least one feature group")
        fitted: dict[str, _UserTransformer] = {}
        for name in sorted(groups, key=lambda g: g == "lexicon"):  # style before lexicon
            part = self._make(name)
            if name == "lexicon" and "style" in fitted and part.lexicon is None:
                part.set_params(word_vectors=fitted["style"].vectors_)
                part._vectors_key = getattr(fitted["style"], "cache_key_", None)
            fitted[name] = part.fit(users, y)
        self.transformers_ = [(name, fitted[name]) for name in groups]

    def fit_transform(self, X: Sequence[Any], y: Any = None, **fit_params: Any) -> np.ndarray:
        self.text_tables_ = self._resolve_tables(X)
        users = self.tokenize(X)
        self._fit(users, y)
        return self._transform(users)

    def transform(self, X: Sequence[Any]) -> np.ndarray:
        check_is_fitted(self, "transformers_")
        return self._transform(self.tokenize(X))

    def _transform(self, users: list[TokenizedUser]) -> np.ndarray:
        return np.hstack([part.transform(users) for _, part in self.transformers_])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "transformers_")
        return np.concatenate([part.get_feature_names_out() for _, part in self.transformers_])

    def group_slices(self) -> dict[str, slice]:
        """Column range of each group in the output."""
        check_is_fitted(self, "transformers_")
        out, start = {}, 0
        for name, part in self.transformers_:
            out[name] = slice(start, start + part.n_features_out_)
            start += part.n_features_out_
        return out


# -- save / load (used by FeatureClassifier; no pickle) ------------------------------------
STYLE_VECTORS = "style_vectors.bin"
LEXICON_FILE = "lexicon.csv"


def save_union(union: UserFeatureUnion, folder: str | Path) -> dict[str, Any]:
    """Write the fitted state of ``union`` into ``folder``; returns the JSON part.

    Topic keywords go into the returned dict, the style vectors into
    ``style_vectors.bin`` (word2vec binary format), the lexicon into ``lexicon.csv`` and
    the word tables into ``resources/`` (their hashes under ``text_resources``).
    """
    check_is_fitted(union, "transformers_")
    folder = Path(folder)
    parts: dict[str, Any] = {}
    for name, part in union.transformers_:
        if name == "topic":
            parts[name] = {"keywords": list(part.keywords_)}
        elif name == "style":
            part.vectors_.save_word2vec_format(str(folder / STYLE_VECTORS), binary=True)
            parts[name] = {"vectors": STYLE_VECTORS}
        elif name == "lexicon":
            part.lexicon_.to_csv(folder / LEXICON_FILE)
            parts[name] = {"lexicon": LEXICON_FILE}
        else:
            parts[name] = {}
    out = {"groups": [name for name, _ in union.transformers_], "parts": parts}
    tables = getattr(union, "text_tables_", None)
    if tables is not None:
        out["text_resources"] = tables.write(folder)
    return out


def restore_union(union: UserFeatureUnion, state: dict[str, Any], folder: str | Path) -> UserFeatureUnion:
    """Give an unfitted ``union`` (built with the saved parameters) the state written by
    :func:`save_union`. The pinned word tables are checked by hash
    (:class:`~depscreen.text.pinned.ResourceMismatchError` names a missing one)."""
    from ..embed.wordvectors import load_word_vectors

    folder = Path(folder)
    if state.get("text_resources"):
        union.text_tables_ = PinnedTables.restore(state["text_resources"], folder)
    restored = []
    for name in state["groups"]:
        part = union._make(name)
        info = state["parts"].get(name, {})
        if name == "topic":
            part.keywords_ = list(info["keywords"])
        elif name == "style":
            part.vectors_ = load_word_vectors(folder / info["vectors"])
        elif name == "lexicon":
            part.lexicon_ = Lexicon.from_csv(folder / info["lexicon"])
            part._prepare()
        part.n_features_out_ = len(part._names())
        restored.append((name, part))
    union.transformers_ = restored
    return union
