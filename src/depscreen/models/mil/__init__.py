"""User-level multi-instance learning: LMILAtt (LSTM autoencoder + attention, paper 000).

* :mod:`.bags` -- time-ordered, padded bags of post embeddings with masks; the
  long-timeline policy.
* :mod:`.networks` -- the torch modules (autoencoder, pooling, heads).
* :mod:`.training` -- bags as training data on the shared loop
  (:mod:`depscreen.models.training_loop`).
* :mod:`.embedding` -- from users to bags: the embedder (it owns its cache), one road
  to vectors (:func:`depscreen.embed.embed_corpus`), :func:`embedded_users`.
* :mod:`.estimator` -- :class:`LMILAttClassifier`, the scikit-learn-style model
  (parameters, fit, predict); :mod:`.fitting` -- labels to a head, the network, the
  two training phases; :mod:`.inference` -- one forward pass, explanations;
  :mod:`.persistence` -- save / load.

Torch is imported only when this package is; the registry refers to the estimator
by name so that listing models stays light.
"""

from .bags import EmbeddedUsers, make_bag, pad_bags, time_order
from .embedding import embedded_users
from .estimator import LMILAttClassifier

__all__ = ["EmbeddedUsers", "LMILAttClassifier", "embedded_users", "make_bag", "pad_bags", "time_order"]
