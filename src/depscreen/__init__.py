"""depscreen: screen social-media users for signs of depression from what they write.

A screening and research tool, not a diagnosis. See README.md for the corpus
format and the command line.
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "depscreen is a screening and research tool, not a diagnostic device: "
    "its scores are not a diagnosis and must not be used as one."
)

_API = ("train", "score", "score_file", "iter_scores", "save", "load", "prevalence", "Predictions", "TrainingRecord")


def __getattr__(name: str):
    """``depscreen.train`` / ``depscreen.score`` / ... from :mod:`depscreen.api`, imported
    on first use so that ``import depscreen`` (and ``depscreen --help``) stays light."""
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'depscreen' has no attribute '{name}'")
