"""A configurable preprocessing step for scikit-learn pipelines (paper 003, multilingual).

:class:`Preprocessor` turns raw posts into token lists (or space-joined strings) with
every step switchable and recorded: cleaning (PII placeholders, hashtags, numbers,
emoji, repeated characters, full width), case folding, Indonesian slang normalisation,
stopword removal, stemming, tokenisation. It works for zh, en and id, with one fixed
language or per-post detection (``lang="auto"``).

:meth:`Preprocessor.get_config` returns a JSON-able description that a model writes
into its ``config.json``; :meth:`Preprocessor.from_config` rebuilds the same step.

Example
-------
>>> from sklearn.feature_extraction.text import TfidfVectorizer
>>> from sklearn.pipeline import make_pipeline
>>> pre = Preprocessor(lang="en", stopwords=True, join=True)
>>> pre.fit_transform(["I can't sleep AGAIN!!!! https://t.co/x"])
["i can't sleep !! <url>"]
>>> pipe = make_pipeline(pre, TfidfVectorizer(analyzer=str.split))
>>> pipe.fit_transform(["not okay", "okay"]).shape
(2, 2)
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from sklearn.base import BaseEstimator, TransformerMixin

from .langdetect import DEFAULT_LANGUAGES, detect_language
from .normalise import EMOJI_MODES, HASHTAG_MODES, NUMBER_MODES, normalise
from .tokenizers import TOKENIZER_LANGS, get_tokenizer

__all__ = ["Preprocessor", "STEPS"]

STEPS = ("clean", "casefold", "slang", "stopwords", "stem", "tokenize")
_PII_MODES = ("placeholder", "remove")
_PII_TOKENS = frozenset({"<url>", "<user>", "<email>", "<phone>"})
CONFIG_VERSION = 1


class Preprocessor(TransformerMixin, BaseEstimator):
    """Text preprocessing with switchable steps, for zh / en / id posts.

    ``fit`` only validates the input (nothing is learned); ``transform(list[str])``
    returns a list of token lists, or of space-joined strings with ``join=True`` (ready
    for ``TfidfVectorizer(analyzer=str.split)``).

    Parameters
    ----------
    lang : {"auto", "zh", "en", "id"}
        Language of every post, or ``"auto"`` to detect it per post among
        ``languages``; posts of an unknown language get the language-neutral regex
        tokeniser without stopwords, slang or stems.
    clean : bool
        Run :func:`depscreen.text.normalise` (the options below); ``False`` feeds the raw
        text to the tokeniser.
    pii : {"placeholder", "remove"}
        URLs, mentions, e-mail addresses and phone numbers become ``<url>`` ... tokens,
        or are removed. (They are always redacted when ``clean``.)
    hashtags : {"strip", "keep", "remove"}
        ``#word`` -> ``word``, kept as ``#word``, or removed.
    numbers : {"keep", "placeholder", "remove"}
    emoji : {"keep", "describe", "remove"}
    squeeze : bool
        Cut repeated characters to two ("sooooo" -> "soo").
    fullwidth : bool
        Full-width ASCII to half width.
    casefold : bool
        Lower-case tokens (emoticons and placeholders unaffected).
    slang : bool
        Indonesian: slang -> formal (kamus alay + abbreviations + built-in list).
    slang_table : mapping or None
        Indonesian: use this slang -> formal table instead.
    stopwords : bool
        Remove the language's stopwords.
    keep_signal : bool
        Keep negations and first-person pronouns when removing stopwords.
    stem : bool
        id: Sastrawi (cached); en: plural removal; zh: no effect.
    punctuation : bool
        Keep punctuation tokens ("...", "!!"); emoticons and emoji stay regardless.
    tokenize : bool
        Use the language's tokeniser (jieba / regex); ``False`` splits on whitespace
        (the per-token steps still run).
    user_dict : str or list of str or None
        zh: jieba user dictionary (a path or words).
    zh_stopword_list : {"hit", "baidu", "cn", "scu", "all"}
    languages : tuple of str
        Candidates for ``lang="auto"``.
    join : bool
        Return space-joined strings instead of token lists.
    """

    def __init__(
        self,
        lang: str = "auto",
        *,
        clean: bool = True,
        pii: str = "placeholder",
        hashtags: str = "strip",
        numbers: str = "keep",
        emoji: str = "keep",
        squeeze: bool = True,
        fullwidth: bool = True,
        casefold: bool = True,
        slang: bool = True,
        slang_table: Mapping[str, str] | None = None,
        stopwords: bool = False,
        keep_signal: bool = True,
        stem: bool = False,
        punctuation: bool = True,
        tokenize: bool = True,
        user_dict: str | list[str] | None = None,
        zh_stopword_list: str = "hit",
        languages: tuple[str, ...] = DEFAULT_LANGUAGES,
        join: bool = False,
    ):
        self.lang = lang
        self.clean = clean
        self.pii = pii
        self.hashtags = hashtags
        self.numbers = numbers
        self.emoji = emoji
        self.squeeze = squeeze
        self.fullwidth = fullwidth
        self.casefold = casefold
        self.slang = slang
        self.slang_table = slang_table
        self.stopwords = stopwords
        self.keep_signal = keep_signal
        self.stem = stem
        self.punctuation = punctuation
        self.tokenize = tokenize
        self.user_dict = user_dict
        self.zh_stopword_list = zh_stopword_list
        self.languages = languages
        self.join = join

    # -- presets ---------------------------------------------------------------------

    @classmethod
    def paper003(cls, lang: str = "id", *, stem: bool = False, **overrides) -> "Preprocessor":
        """The cleaning of paper 003 and its group's earlier work: links, mentions,
        hashtags, numbers, emoji and punctuation removed, case folding, slang
        normalisation, the plain Sastrawi stopword list (signal words not protected),
        optional stemming, tokenisation."""
        params: dict[str, Any] = dict(
            lang=lang,
            clean=True,
            pii="remove",
            hashtags="remove",
            numbers="remove",
            emoji="remove",
            casefold=True,
            slang=True,
            stopwords=True,
            keep_signal=False,
            stem=stem,
            punctuation=False,
            tokenize=True,
        )
        params.update(overrides)
        return cls(**params)

    # -- validation ------------------------------------------------------------------

    def _check_params(self) -> None:
        choices = {
            "pii": (self.pii, _PII_MODES),
            "hashtags": (self.hashtags, HASHTAG_MODES),
            "numbers": (self.numbers, NUMBER_MODES),
            "emoji": (self.emoji, EMOJI_MODES),
        }
        for name, (value, allowed) in choices.items():
            if value not in allowed:
                raise ValueError(f"Preprocessor: {name} must be one of {allowed}, got {value!r}")
        if self.lang != "auto" and self.lang not in TOKENIZER_LANGS:
            raise ValueError(f"Preprocessor: lang must be 'auto' or one of {TOKENIZER_LANGS}, got {self.lang!r}")
        if not tuple(self.languages):
            raise ValueError("Preprocessor: languages must not be empty")

    @staticmethod
    def _check_texts(X) -> list[str]:
        if isinstance(X, str):
            raise TypeError("Preprocessor expects a list of texts, not a single str")
        texts = list(X)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"Preprocessor: item {i} is {type(text).__name__}, expected str")
        return texts

    def fit(self, X: Iterable[str], y=None) -> "Preprocessor":
        """Validate parameters and input; nothing is learned."""
        self._check_params()
        self._check_texts(X)
        return self

    def __sklearn_is_fitted__(self) -> bool:  # stateless: usable without fit
        return True

    # -- transform -------------------------------------------------------------------

    def _tokenizer(self, lang: str):
        slang: bool | Mapping[str, str] = self.slang
        if self.slang and self.slang_table is not None:
            slang = dict(self.slang_table)
        return get_tokenizer(
            lang,
            stopwords=bool(self.stopwords),
            stem=bool(self.stem),
            slang=slang,
            user_dict=self.user_dict if lang == "zh" else None,
            lowercase=bool(self.casefold),
            punctuation=bool(self.punctuation),
            keep_signal=bool(self.keep_signal),
            zh_list=self.zh_stopword_list,
        )

    def transform_one(self, text: str) -> list[str] | str:
        """Preprocess one post."""
        lang = self.lang
        if lang == "auto":
            lang = detect_language(text, languages=tuple(self.languages))
        if self.clean:
            text = normalise(
                text,
                lang=lang if lang in TOKENIZER_LANGS else None,
                emoji=self.emoji,
                squeeze_repeats=self.squeeze,
                fullwidth=self.fullwidth,
                hashtags=self.hashtags,
                numbers=self.numbers,
            )
        # unknown languages: the regex tokeniser with no language-specific steps
        tok = self._tokenizer(lang) if lang in TOKENIZER_LANGS else get_tokenizer(
            "en", lowercase=bool(self.casefold), punctuation=bool(self.punctuation)
        )
        tokens = tok(text) if self.tokenize else tok.process(text.split())
        if self.pii == "remove":
            tokens = [t for t in tokens if t not in _PII_TOKENS]
        return " ".join(tokens) if self.join else tokens

    def transform(self, X: Iterable[str]) -> list[list[str]] | list[str]:
        """Token lists (or joined strings with ``join=True``), one per input text."""
        self._check_params()
        return [self.transform_one(text) for text in self._check_texts(X)]

    # -- config ----------------------------------------------------------------------

    def enabled_steps(self) -> list[str]:
        """The steps that run, in order (language-specific ones noted as such)."""
        steps = []
        if self.clean:
            steps.append("clean")
        if self.casefold:
            steps.append("casefold")
        if self.slang and self.lang in ("id", "auto"):
            steps.append("slang")
        if self.stopwords:
            steps.append("stopwords")
        if self.stem and self.lang in ("id", "en", "auto"):
            steps.append("stem")
        steps.append("tokenize" if self.tokenize else "whitespace-split")
        return steps

    def get_config(self) -> dict[str, Any]:
        """JSON-able description of this step: class, parameters, steps, resources used.

        ``resources`` records what the switches resolved to on this machine (slang
        table and stopword list sizes), so a saved model says whether kamus alay or the
        shared stopword lists were available when it was trained.
        """
        from .stopwords import get_stopwords

        self._check_params()
        params = self.get_params()
        params["languages"] = list(params["languages"])
        if params["slang_table"] is not None:
            params["slang_table"] = dict(params["slang_table"])
        langs = TOKENIZER_LANGS if self.lang == "auto" else (self.lang,)
        resources: dict[str, Any] = {}
        if self.stopwords:
            resources["stopwords"] = {
                lang: len(get_stopwords(lang, keep_signal=self.keep_signal, zh_list=self.zh_stopword_list))
                for lang in langs
            }
        if self.slang and "id" in langs:
            if self.slang_table is not None:
                resources["id_slang_entries"] = len(self.slang_table)
            else:
                from .resources import load_slang_dictionary

                resources["id_slang_entries"] = len(load_slang_dictionary())
        if self.stem and "id" in langs:
            resources["id_stemmer"] = "Sastrawi"
        if self.stem and "en" in langs:
            resources["en_stemmer"] = "Harman S-stemmer"
        return {
            "type": f"{type(self).__module__}.{type(self).__name__}",
            "version": CONFIG_VERSION,
            "params": params,
            "steps": self.enabled_steps(),
            "resources": resources,
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Preprocessor":
        """Rebuild a preprocessor from :meth:`get_config` output (or its ``params``)."""
        params = dict(config.get("params", config))
        unknown = set(params) - set(cls._get_param_names())
        if unknown:
            raise ValueError(f"Preprocessor config has unknown parameter(s): {sorted(unknown)}")
        if "languages" in params:
            params["languages"] = tuple(params["languages"])
        return cls(**params)
