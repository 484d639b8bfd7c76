"""Depression-domain lexicon construction (paper 002): seeds, word graph, label
propagation, baselines and evaluation against a gold lexicon.

>>> from depscreen.lexicon import LexiconBuilder, Lexicon, evaluate_lexicon  # doctest: +SKIP
>>> lex = LexiconBuilder(method="w2v-lpa", n_seeds=80, tc=0.5).fit(posts, labels).lexicon_  # doctest: +SKIP
>>> evaluate_lexicon(lex, Lexicon.from_csv("gold.csv")).f1  # doctest: +SKIP
"""

from .builder import METHODS, LexiconBuilder
from .evaluate import LexiconScores, evaluate_lexicon
from .graph import WordGraph, build_graph, candidate_words
from .lexicon import Lexicon, LexiconEntry, LexiconFormatError
from .propagation import PropagationResult, harmonic_solution, propagate_labels
from .seeds import SeedSet, extract_seeds, load_seeds

__all__ = [
    "METHODS",
    "Lexicon",
    "LexiconBuilder",
    "LexiconEntry",
    "LexiconFormatError",
    "LexiconScores",
    "PropagationResult",
    "SeedSet",
    "WordGraph",
    "build_graph",
    "candidate_words",
    "evaluate_lexicon",
    "extract_seeds",
    "harmonic_solution",
    "load_seeds",
    "propagate_labels",
]
