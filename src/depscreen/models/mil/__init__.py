"""User-level multi-instance learning: LMILAtt (LSTM autoencoder + attention, paper 000).

* :mod:`.bags` -- time-ordered, padded bags of post embeddings with masks; the
  long-timeline policy.
* :mod:`.networks` -- the torch modules (autoencoder, pooling, heads).
* :mod:`.training` -- the training loop and its callbacks.
* :mod:`.estimator` -- :class:`LMILAttClassifier`, the scikit-learn-style model.

Torch is imported only when this package is; the registry refers to the estimator
by name so that listing models stays light.
"""

from .bags import EmbeddedUsers, make_bag, pad_bags, time_order
from .estimator import LMILAttClassifier

__all__ = ["EmbeddedUsers", "LMILAttClassifier", "make_bag", "pad_bags", "time_order"]
