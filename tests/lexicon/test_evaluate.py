import pytest

from depscreen.lexicon.evaluate import evaluate_lexicon
from depscreen.lexicon.lexicon import Lexicon, LexiconEntry


def test_metrics_on_hand_made_pair():
    built = Lexicon(
        [
            LexiconEntry("hopeless", 1, 1.0, "seed"),
            LexiconEntry("tired", 1, 0.8),
            LexiconEntry("calm", 1, 0.2),  # gold says non-depressive
            LexiconEntry("alone", 0, -0.3),  # gold says depressive
            LexiconEntry("sunny", 0, -0.9),
            LexiconEntry("banana", 1, 0.1),  # not in gold: not judged
        ]
    )
    gold = Lexicon.from_pairs(
        [("hopeless", 1), ("tired", 1), ("calm", 0), ("alone", 1), ("sunny", 0),
         ("cry", 1), ("joy", 0), ("empty", 1)]
    )
    s = evaluate_lexicon(built, gold, vocabulary={"hopeless", "tired", "calm", "alone", "sunny", "cry"})
    assert (s.size, s.gold_size, s.matched, s.correct) == (6, 8, 5, 3)
    assert s.precision == pytest.approx(3 / 5)
    assert s.recall == pytest.approx(3 / 8)
    assert s.f1 == pytest.approx(2 * 0.6 * 0.375 / (0.6 + 0.375))
    assert s.coverage == pytest.approx(5 / 6)
    # depressive class on matched words: TP=hopeless,tired; FP=calm; FN=alone
    assert s.dep_precision == pytest.approx(2 / 3)
    assert s.dep_recall == pytest.approx(2 / 3)
    assert s.recall_reachable == pytest.approx(3 / 6)
    assert (s.n_depressive, s.n_non_depressive) == (4, 2)

    no_seeds = evaluate_lexicon(built, gold, include_seeds=False)
    assert (no_seeds.size, no_seeds.matched, no_seeds.correct) == (5, 4, 2)


def test_empty_overlap_gives_zeros_not_errors():
    s = evaluate_lexicon(Lexicon.from_pairs([("x", 1)]), Lexicon.from_pairs([("y", 0)]))
    assert (s.precision, s.recall, s.f1, s.coverage) == (0.0, 0.0, 0.0, 0.0)
