"""Post-level neural classifiers of paper 003: TF-IDF with FastText expansion (or
embedded tokens) into a CNN, an LSTM or the CNN-LSTM hybrid, in torch."""

from .estimators import (
    CNNClassifier,
    CNNLSTMClassifier,
    DegenerateModelWarning,
    LSTMClassifier,
    PostNeuralClassifier,
)

__all__ = [
    "CNNClassifier",
    "CNNLSTMClassifier",
    "DegenerateModelWarning",
    "LSTMClassifier",
    "PostNeuralClassifier",
]
