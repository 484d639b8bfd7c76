"""A configurable preprocessing step for scikit-learn pipelines (paper 003, multilingual).

:class:`Preprocessor` turns raw posts into token lists (or space-joined strings) with
every step switchable and recorded: cleaning (PII placeholders, hashtags, numbers,
emoji, repeated characters, full width), case folding, Indonesian slang normalisation,
stopword removal, stemming, tokenisation. It works for zh, en and id, with one fixed
language or per-post detection (``lang="auto"``).

:meth:`Preprocessor.get_config` returns a JSON-able description that a model writes
into its ``config.json``, with every word table the step resolved (slang, stopwords)
pinned by SHA-256 and carried along (in the config when small, in
``folder/resources/`` when a folder is given); :meth:`Preprocessor.from_config` rebuilds
exactly that step, or raises :class:`~depscreen.text.pinned.ResourceMismatchError`
naming a table it cannot find (see :mod:`depscreen.text.pinned`).

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

from pathlib import Path
from typing import Any, Iterable, Mapping

from sklearn.base import BaseEstimator, TransformerMixin

from .langdetect import DEFAULT_LANGUAGES, detect_language
from .normalise import EMOJI_MODES, HASHTAG_MODES, NUMBER_MODES, normalise
from .tokenizers import TOKENIZER_LANGS, get_tokenizer

__all__ = ["Preprocessor", "STEPS", "pin_resources", "restore_preprocessor"]

STEPS = ("clean", "casefold", "slang", "stopwords", "stem", "tokenize")
_PII_MODES = ("placeholder", "remove")
_PII_TOKENS = frozenset({"<url>", "<user>", "<email>", "<phone>"})
CONFIG_VERSION = 2


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
    resources : mapping or None
        Pinned word tables by name (``id_slang``: slang -> formal; ``stopwords_LANG``:
        word list) used instead of looking them up on this machine. Set by
        :meth:`from_config`; leave None to resolve them here.
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
        resources: Mapping[str, Any] | None = None,
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
        self.resources = resources

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

    def set_params(self, **params) -> "Preprocessor":
        self.__dict__.pop("_tables", None)
        self.__dict__.pop("_tokenizers", None)
        return super().set_params(**params)

    def _langs(self) -> tuple[str, ...]:
        return TOKENIZER_LANGS if self.lang == "auto" else (self.lang,)

    def _resolve_tables(self) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """The word tables this step uses, and where each came from (cached)."""
        cached = self.__dict__.get("_tables")
        if cached is not None:
            return cached
        from .resources import load_slang_dictionary, slang_sources, stopword_sources
        from .stopwords import get_stopwords

        given = dict(self.resources or {})
        tables: dict[str, Any] = {}
        sources: dict[str, list[str]] = {}
        langs = self._langs()
        if self.slang and "id" in langs:
            if "id_slang" in given:
                table, sources["id_slang"] = given["id_slang"], ["pinned"]
            elif self.slang_table is not None:
                table, sources["id_slang"] = self.slang_table, ["parameter:slang_table"]
            else:
                table, sources["id_slang"] = load_slang_dictionary(), slang_sources()
            tables["id_slang"] = {str(k).lower(): str(v).lower() for k, v in dict(table).items()}
        if self.stopwords:
            for lang in langs:
                name = f"stopwords_{lang}"
                if name in given:
                    tables[name], sources[name] = sorted(given[name]), ["pinned"]
                else:
                    words = get_stopwords(lang, keep_signal=bool(self.keep_signal), zh_list=self.zh_stopword_list)
                    tables[name], sources[name] = sorted(words), stopword_sources(lang, self.zh_stopword_list)
        self.__dict__["_tables"] = (tables, sources)
        return tables, sources

    def _tokenizer(self, lang: str):
        cache = self.__dict__.setdefault("_tokenizers", {})
        if lang in cache:
            return cache[lang]
        tables, _ = self._resolve_tables()
        stop_name = f"stopwords_{lang}"
        cache[lang] = get_tokenizer(
            lang,
            stopwords=frozenset(tables[stop_name]) if stop_name in tables else False,
            stem=bool(self.stem),
            slang=tables.get("id_slang", False) if lang == "id" else False,
            user_dict=self.user_dict if lang == "zh" else None,
            lowercase=bool(self.casefold),
            punctuation=bool(self.punctuation),
            keep_signal=bool(self.keep_signal),
            zh_list=self.zh_stopword_list,
        )
        return cache[lang]

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

    def get_config(self, folder: str | Path | None = None) -> dict[str, Any]:
        """JSON-able description of this step: class, parameters, steps and the word
        tables it uses, each pinned by SHA-256 (see :mod:`depscreen.text.pinned`).

        Tables of up to :data:`~depscreen.text.pinned.INLINE_MAX_ENTRIES` entries are
        carried in the config. With ``folder`` (a model folder), every table is also
        written to ``folder/resources/`` and a jieba user dictionary file is copied there,
        so that :meth:`from_config` rebuilds the same step on a machine without the
        public data folder.
        """
        from .pinned import describe_resources, package_versions, write_resources

        self._check_params()
        params = self.get_params()
        params.pop("resources")
        params["languages"] = list(params["languages"])
        if params["slang_table"] is not None:
            params["slang_table"] = dict(params["slang_table"])
        tables, sources = self._resolve_tables()
        tables = dict(tables)
        user_dict = self.user_dict
        if isinstance(user_dict, (str, Path)) and "zh" in self._langs():
            path = Path(user_dict)
            if not path.exists():
                raise FileNotFoundError(f"user dictionary not found: {path}")
            tables["zh_user_dict"] = path.read_bytes()
            sources = {**sources, "zh_user_dict": [f"file:{path.name}"]}
            params["user_dict"] = str(user_dict)
        records = describe_resources(tables, sources)
        if folder is not None:
            write_resources(tables, records, folder)
        return {
            "type": f"{type(self).__module__}.{type(self).__name__}",
            "version": CONFIG_VERSION,
            "params": params,
            "steps": self.enabled_steps(),
            "resources": records,
            "packages": package_versions(),
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any], folder: str | Path | None = None) -> "Preprocessor":
        """Rebuild a preprocessor from :meth:`get_config` output (or its ``params``).

        The pinned word tables are taken from the config or from ``folder/resources/``
        and checked against their SHA-256; a table found in neither is resolved on this
        machine and must have the same hash. Raises
        :class:`~depscreen.text.pinned.ResourceMismatchError` naming the table otherwise.
        """
        from .pinned import check_packages, restore_resources

        params = dict(config.get("params", config))
        unknown = set(params) - set(cls._get_param_names())
        if unknown:
            raise ValueError(f"Preprocessor config has unknown parameters: {', '.join(sorted(unknown))}")
        if "languages" in params:
            params["languages"] = tuple(params["languages"])
        records = config.get("resources") if "params" in config and config.get("version", 1) >= 2 else None
        if not records:
            return cls(**params)
        check_packages(config.get("packages"))
        local = cls(**params)
        local_tables, local_sources = local._resolve_tables()
        local_tables = dict(local_tables)
        user_dict = params.get("user_dict")
        if "zh_user_dict" in records and isinstance(user_dict, str) and Path(user_dict).exists():
            local_tables["zh_user_dict"] = Path(user_dict).read_bytes()
        restored = restore_resources(records, folder, local_tables, local_sources)
        if "zh_user_dict" in restored:
            restored.pop("zh_user_dict")
            pinned = Path(folder) / records["zh_user_dict"]["file"] if folder and "file" in records["zh_user_dict"] else None
            if pinned is not None and pinned.exists():
                params["user_dict"] = str(pinned)
        params["resources"] = restored
        return cls(**params)


def pin_resources(preprocessor: Preprocessor, folder: str | Path) -> dict[str, Any]:
    """``preprocessor.get_config()`` with every resolved table also written to
    ``folder/resources/``; store the returned dict in the model's ``config.json``
    (see :mod:`depscreen.text.pinned`)."""
    return preprocessor.get_config(folder=folder)


def restore_preprocessor(config: Mapping[str, Any], folder: str | Path | None = None) -> Preprocessor:
    """The preprocessor of a saved model, with its pinned tables (see
    :mod:`depscreen.text.pinned`)."""
    return Preprocessor.from_config(config, folder=folder)
