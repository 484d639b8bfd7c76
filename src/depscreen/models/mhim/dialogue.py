"""The dual encoder of paper 001 for interviews, trainable with or without MHIM.

Each participant turn is embedded twice by one sentence-embedding backend and the two
vectors are concatenated:

* ``dual_mode="pair"`` (default): ``embed(prefix + sep + sentence)`` -- the turn read
  together with the interviewer question it answers (the *prefix encoder*) -- and
  ``embed(sentence)`` (the *sentence encoder*);
* ``dual_mode="concat"``: ``embed(prefix)`` and ``embed(sentence)``.

The turn vectors of an interview then go through a Bi-LSTM, attention pooling and a
score head (regression for a severity score, or binary / ordinal), as in the paper:
that is an LMILAtt without autoencoder (``autoencoder=False``, ``bidirectional=True``),
so MHIM (``mhim_t``, ``mhim_b``, ``donor``, ``masking``) works unchanged through
:class:`~depscreen.models.mhim.MHIMClassifier`, the dual encoder's ``base``: its
parameters are nested (``base__mhim_t``; the network's ``base__base__hidden_size``).
``base__mhim_t = base__mhim_b = 0`` trains the dual encoder alone (the paper's phase 1).

Input: users built by :func:`depscreen.corpus.dialogue.interviews_to_users` (each post
a participant turn with ``meta["prefix"]``), a list of
:class:`~depscreen.corpus.dialogue.Interview`, or any user-level corpus (a post with no
prefix is read with an empty one). This is a screening and research tool, not a
diagnosis.

Example
-------
>>> from depscreen.corpus.dialogue import make_sample_interviews
>>> interviews = make_sample_interviews(n=30, seed=1)
>>> model = DualEncoderMHIM(embedder="tfidf-svd").set_params(base__mhim_t=1, base__mhim_b=1, base__base__epochs=5)
>>> model.base.base.bidirectional, model.base.base.hidden_size   # the dual architecture, LMILAtt's sizes
(True, 128)
>>> model.fit(interviews).predict(interviews[:2])                                  # doctest: +SKIP
array([...])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.metaestimators import available_if

from ...corpus.dialogue import Interview, interviews_to_users
from ...corpus.types import User, UserCorpus
from ...embed.cache import embed_corpus
from .. import folder as model_folder
from ..base import Forward, SavableMixin, check_fitted
from ..folder import CONFIG_NAME
from ..mil.bags import EmbeddedUsers
from ..mil.estimator import LMILAttClassifier
from .estimator import MHIMClassifier, NestedBase, base_config, base_from_config

DUAL_MODES = ("pair", "concat")
EMBEDDER_FOLDER = "embedder"
MHIM_FOLDER = "mhim"


def turn_prefix(post) -> str:
    prefix = post.meta.get("prefix") if post.meta else None
    return prefix if isinstance(prefix, str) else ""


class DualTurnEmbedder:
    """Embeds each turn with its prefix and alone, and concatenates the two vectors.

    Parameters
    ----------
    base : an embedder object (``name``, ``dim``, ``embed(texts)``), fitted if needed.
    mode : ``"pair"`` or ``"concat"`` (see the module docstring).
    sep : joins prefix and sentence in ``"pair"`` mode.

    The base embedder's own cache (if it has one) serves both sides.
    """

    def __init__(self, base, mode: str = "pair", sep: str = " [SEP] "):
        if mode not in DUAL_MODES:
            raise ValueError(f"dual_mode must be one of {DUAL_MODES}, got {mode!r}")
        self.base = base
        self.mode = mode
        self.sep = sep

    @property
    def name(self) -> str:
        return f"dual-{self.mode}:{self.base.name}"

    @property
    def dim(self) -> int:
        return 2 * int(self.base.dim)

    def texts(self, post) -> tuple[str, str]:
        """The two texts a turn is embedded from: (prefix side, sentence)."""
        prefix = turn_prefix(post)
        first = (prefix + self.sep + post.text) if self.mode == "pair" else prefix
        return first, post.text

    def embed_users(self, users: Sequence[User]) -> EmbeddedUsers:
        users = list(users)
        firsts, seconds = [], []
        for u in users:
            for p in u.posts:
                a, b = self.texts(p)
                firsts.append(a)
                seconds.append(b)
        both = embed_corpus(self.base, firsts + seconds).vectors  # each distinct text once
        n = len(firsts)
        flat = np.concatenate([both[:n], both[n:]], axis=1) if n else np.zeros((0, self.dim), np.float32)
        out, start = [], 0
        for u in users:
            out.append(flat[start : start + len(u.posts)])
            start += len(u.posts)
        return EmbeddedUsers(users, out, self.name)


def as_users(X) -> list[User]:
    """Users from interviews, a UserCorpus or a list of users."""
    if isinstance(X, UserCorpus):
        return list(X.users)
    X = list(X)
    if X and all(isinstance(x, Interview) for x in X):
        return list(interviews_to_users(X).users)
    for i, x in enumerate(X):
        if not isinstance(x, User):
            raise TypeError(f"DualEncoderMHIM takes interviews or users; sample {i} is {type(x).__name__}")
    return X


def _has_proba(model) -> bool:
    """Class probabilities exist for classification heads only (a regression head has none)."""
    return getattr(model, "head_", None) != "regression"


#: What makes an LMILAtt the paper's dual-encoder network (a Bi-LSTM over the turn
#: vectors, no autoencoder, no skip of the raw turn vector) and how many of an interview's
#: most recent participant turns it reads. The one place the dual encoder departs from
#: LMILAtt's defaults; every other setting is LMILAtt's or MHIM's own default.
DUAL_ARCHITECTURE = {"autoencoder": False, "bidirectional": True, "skip_embedding": False, "max_posts": 200}

#: DualEncoderMHIM's own parameters (the rest are its base MHIM model's, nested)
OWN_PARAMS = ("embedder", "embedder_options", "dual_mode", "sep", "base")


def dual_encoder_base() -> MHIMClassifier:
    """The MHIM model ``DualEncoderMHIM(base=None)`` trains: MHIM's defaults over an
    LMILAtt with its defaults and :data:`DUAL_ARCHITECTURE`."""
    return MHIMClassifier(base=LMILAttClassifier(**DUAL_ARCHITECTURE))


class DualEncoderMHIM(NestedBase, SavableMixin, ClassifierMixin, BaseEstimator):
    """Paper 001's dual encoder (prefix + sentence -> Bi-LSTM -> attention -> score),
    trained with masked hard instance mining (``base__mhim_t = base__mhim_b = 0``: without).

    A wrapper: it turns interviews into turn vectors and hands them to its base
    :class:`~depscreen.models.mhim.MHIMClassifier`, whose parameters are nested --
    ``base__mhim_t``, ``base__donor``, and the network's ``base__base__hidden_size``,
    ``base__base__epochs``, ``base__base__head``... -- for ``get_params`` /
    ``set_params`` / ``clone`` / grid search. Their defaults are MHIM's and LMILAtt's
    own, plus :data:`DUAL_ARCHITECTURE`.

    Parameters
    ----------
    embedder, embedder_options
        Sentence-embedding spec (``"use"``, ``"e5"``, ``"tfidf-svd"``, ``"hf:PATH"``, a saved
        embedder folder) shared by the prefix and sentence sides, and its options; the
        embedder owns its cache.
    dual_mode : {"pair", "concat"}
    sep : str
        Separator between prefix and sentence in ``"pair"`` mode.
    base : MHIMClassifier, optional
        The MHIM model trained on the turn vectors; ``None`` means
        :func:`dual_encoder_base` (MHIM's defaults; LMILAtt's defaults with
        :data:`DUAL_ARCHITECTURE`: Bi-LSTM, no autoencoder, the 200 most recent turns).
        A base given here is used as given (start its LMILAtt from
        ``LMILAttClassifier(**DUAL_ARCHITECTURE, ...)`` for the paper's network), except
        that its LMILAtt's ``embedder`` is replaced by the turn embedder's name (it is
        fed turn vectors, not text). ``head="auto"`` picks regression for non-integer
        scores, ordinal for integer levels.

    Since issue 23 the network's settings are LMILAtt's defaults: ``DualEncoderMHIM()``
    now trains ``hidden_size=128``, ``attention_size=64``, ``batch_size=32`` (it re-declared
    64 / 32 / 16 before); ``base__base__hidden_size=64, base__base__attention_size=32,
    base__base__batch_size=16`` give the earlier network. A folder saved with the earlier
    flat parameters (``hidden_size``, ``mhim_t``...) still loads.

    Attributes
    ----------
    turn_embedder_ : DualTurnEmbedder
    model_ : MHIMClassifier
        The fitted base (a clone of ``base`` with the turn embedder's name).
    head_, classes_
        As the base model's.
    """

    input_level = "user"
    #: explain() gives per-post attention weights, so the harness reports entropy and Recall@k
    explains_posts = True

    # no demo_params: the demo's sample is timelines of posts, not interviews with questions

    def __init__(
        self,
        embedder: Any = "use",
        embedder_options: dict | None = None,
        dual_mode: str = "pair",
        sep: str = " [SEP] ",
        base: MHIMClassifier | None = None,
    ):
        self.embedder = embedder
        self.embedder_options = embedder_options
        self.dual_mode = dual_mode
        self.sep = sep
        self.base = base

    # ------------------------------------------------------------------ parameters
    # base=None is dual_encoder_base(); base__<name> nests its parameters (NestedBase)
    base_kind = MHIMClassifier
    base_kind_words = "an MHIMClassifier"

    def default_base(self) -> MHIMClassifier:
        """:func:`dual_encoder_base`: what ``base=None`` trains."""
        return dual_encoder_base()

    def _turn_embedder(self, base) -> DualTurnEmbedder:
        return DualTurnEmbedder(base, self.dual_mode, self.sep)

    def fit(self, X, y=None):
        """Train on interviews / users ``X`` with scores or labels ``y`` (default: the
        users' labels, i.e. the interview scores)."""
        from .trainer import resolve_embedder

        users = as_users(X)
        if y is None:
            y = [u.label for u in users]
        if self.dual_mode not in DUAL_MODES:
            raise ValueError(f"dual_mode must be one of {DUAL_MODES}, got {self.dual_mode!r}")
        inner = clone(self.base_estimator())
        # a corpus-fitted backend learns its vocabulary from both sides of every turn
        base = resolve_embedder(self.embedder, self.embedder_options, _with_prefix_posts(users, self.sep))
        self.turn_embedder_ = self._turn_embedder(base)
        emb = self.turn_embedder_.embed_users(users)
        self.model_ = inner.set_params(base__embedder=self.turn_embedder_.name).fit(emb, y)
        self.head_ = self.model_.head_
        if hasattr(self.model_, "classes_"):
            self.classes_ = self.model_.classes_
        return self

    def _embedded(self, X) -> EmbeddedUsers:
        check_fitted(self, "model_")
        if isinstance(X, EmbeddedUsers):
            return X
        return self.turn_embedder_.embed_users(as_users(X))

    def _forward(self, X, *, explain: bool = False, top_k: int = 5, which: str = "receiver") -> Forward:
        """Embed ``X`` once and run the MHIM model once over it (see
        :meth:`MHIMClassifier._forward`); explanation ``index`` values point into the
        bag's posts, i.e. the participant turns in order."""
        return self.model_._forward(self._embedded(X), explain=explain, top_k=top_k, which=which)

    def predict(self, X, *, which: str = "receiver"):
        return self._forward(X, which=which).predictions

    @available_if(_has_proba)
    def predict_proba(self, X, *, which: str = "receiver"):
        return self._forward(X, which=which).proba

    def score_users(self, X, *, which: str = "receiver"):
        return self._forward(X, which=which).scores

    def attention(self, X, *, which: str = "receiver"):
        return self.model_.attention(self._embedded(X), which=which)

    def explain(self, X, top_k: int = 5, *, which: str = "receiver") -> list[dict[str, Any]]:
        """Per interview: each participant turn's attention weight (``index`` into the
        bag's posts, i.e. the participant turns in order), the top turns, the entropy."""
        return self._forward(X, explain=True, top_k=top_k, which=which).explanations

    @property
    def entropy_log_(self):
        check_fitted(self, "model_")
        return self.model_.entropy_log_

    # ------------------------------------------------------------------ save / load
    def save(self, folder) -> Path:
        """``config.json`` (the dual encoder's parameters; the base MHIM model's under
        ``base``: registry name, parameters, its LMILAtt's, or None for the default) +
        ``embedder/`` (the sentence embedder's own folder) + ``mhim/`` (the fitted MHIM
        model on turn vectors). An embedder object is recorded by its space's name."""
        check_fitted(self, "model_")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        extra = self._save_weights(folder)
        params = self.get_params(deep=False)
        base = params.pop("base")
        if not isinstance(params["embedder"], str):
            params["embedder"] = self.turn_embedder_.base.name
        extra["base"] = None if base is None else base_config(base, embedder=self.turn_embedder_.name)
        model_folder.write_config(folder, self, params, extra)
        model_folder.seal(folder)
        return folder

    @classmethod
    def load(cls, folder) -> "DualEncoderMHIM":
        """Read a folder written by :meth:`save`, or by depscreen before the dual encoder
        nested its base model's parameters (network and MHIM settings flat beside its own:
        ``hidden_size``, ``mhim_t``, ``max_turns``...): ``base`` is then the MHIM model
        those settings built, read back from ``mhim/config.json``."""
        with model_folder.checked(folder) as folder:
            config = model_folder.read_config(folder)
            params = dict(config.get("params") or {})
            own = {k: params.pop(k) for k in list(params) if k in OWN_PARAMS}
            earlier = "base" not in config
            if params and not earlier:
                raise ValueError(f"{folder / CONFIG_NAME}: unknown parameters {sorted(params)}")
            base = None if earlier or config["base"] is None else base_from_config(
                config["base"], MHIMClassifier, folder / CONFIG_NAME)
            model = cls(base=base, **model_folder.restore_params(cls, own))
            model._load_weights(folder, config)
            if earlier:  # the settings the earlier layout trained with, as the unfitted base
                model.base = clone(model.model_)
        return model

    def _save_weights(self, folder: Path) -> dict[str, Any]:
        base = self.turn_embedder_.base
        saved = callable(getattr(base, "save", None))
        if saved:
            base.save(folder / EMBEDDER_FOLDER)
        self.model_.save(folder / MHIM_FOLDER)
        return {"dual": {"turn_embedder": self.turn_embedder_.name, "base_name": base.name,
                         "embedder_folder": EMBEDDER_FOLDER if saved else None}}

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:
        from ...embed.registry import load_embedder
        from ..mil.embedding import resolve_embedder

        info = config.get("dual")
        if not info or "turn_embedder" not in info:
            raise ValueError(f"{folder / 'config.json'}: missing field 'dual' (or its 'turn_embedder')")
        if info.get("embedder_folder"):
            base = load_embedder(folder / info["embedder_folder"])
        else:
            base = resolve_embedder(self.embedder, self.embedder_options)
        self.turn_embedder_ = self._turn_embedder(base)
        if self.turn_embedder_.name != info["turn_embedder"]:
            raise ValueError(
                f"the model was trained on '{info['turn_embedder']}' but the embedder available now "
                f"gives '{self.turn_embedder_.name}'; refusing to mix vector spaces"
            )
        self.model_ = MHIMClassifier.load(folder / MHIM_FOLDER)
        self.head_ = self.model_.head_
        if hasattr(self.model_, "classes_"):
            self.classes_ = self.model_.classes_


def _with_prefix_posts(users: Sequence[User], sep: str) -> list[User]:
    """Users whose posts also include each turn's prefix (to fit a corpus-fitted backend)."""
    from ...corpus.types import Post

    out = []
    for u in users:
        posts = list(u.posts) + [Post(turn_prefix(p)) for p in u.posts if turn_prefix(p)]
        out.append(User(u.user_id, u.label, posts))
    return out
