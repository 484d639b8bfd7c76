"""Post-level neural classifiers of paper 003: TF-IDF with FastText expansion (or
embedded tokens) into a CNN, an LSTM or the CNN-LSTM hybrid, in torch.

Modules, one job each: :mod:`.featurizer` (posts -> tokens -> network inputs),
:mod:`.data` (batch sources), :mod:`.networks` and :mod:`.factory` (the networks and
the choice among them), :mod:`.training` (one run on the shared loop and its collapse
check), :mod:`.collapse` (the retry after a collapse), :mod:`.attributions`
(gradient x input), :mod:`.persistence` (the saved folder) and :mod:`.estimators` (the
public estimators, which put them together).
"""

from .estimators import (
    CNNClassifier,
    CNNLSTMClassifier,
    DegenerateModelWarning,
    LSTMClassifier,
    PostNeuralClassifier,
)
from .featurizer import PostFeaturizer

__all__ = [
    "CNNClassifier",
    "CNNLSTMClassifier",
    "DegenerateModelWarning",
    "LSTMClassifier",
    "PostFeaturizer",
    "PostNeuralClassifier",
]
