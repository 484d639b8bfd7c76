"""depscreen: screen social-media users for signs of depression from what they write.

A screening and research tool, not a diagnosis. See README.md for the corpus
format and the command line.
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "depscreen is a screening and research tool, not a diagnostic device: "
    "its scores are not a diagnosis and must not be used as one."
)
