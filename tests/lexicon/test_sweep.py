from depscreen.lexicon.lexicon import Lexicon
from depscreen.lexicon.sweep import stability, sweep_lexicons

FAST = dict(vector_size=16, window=3, min_count=2, epochs=30, seed_min_df=2, stopwords=False)


def test_sweep_grid_shares_seeds_and_higher_tc_gives_fewer_candidates(planted_posts):
    docs, labels = planted_posts
    gold = Lexicon.from_pairs([("sad", 1), ("gloomy", 1), ("happy", 0), ("cheerful", 0), ("tired", 1)])
    seen = []
    rows = sweep_lexicons(
        docs, labels, gold, methods=("w2v-lpa", "so-w2v"), n_seeds=(2, 4), tcs=(0.6, 0.8, 0.9),
        builder_params=FAST, on_row=seen.append,
    )
    assert len(rows) == 2 * 2 * 3 and seen == rows
    for method in ("w2v-lpa", "so-w2v"):
        for n in (2, 4):
            cands = [r["candidates"] for r in rows if r["method"] == method and r["n_seeds"] == n]
            assert cands == sorted(cands, reverse=True)
            assert all(r["size"] >= n for r in rows if r["method"] == method and r["n_seeds"] == n)
    lpa = [r for r in rows if r["method"] == "w2v-lpa"]
    assert all(r["converged"] and r["n_iter"] >= 1 for r in lpa)
    # the planted synonyms are found at Tc 0.8 with the two top seeds
    best = next(r for r in lpa if r["n_seeds"] == 2 and r["tc"] == 0.8)
    assert best["correct"] >= 4 and best["precision"] >= 0.8
    summary = stability(rows)
    assert set(summary) == {"w2v-lpa", "so-w2v"} and summary["w2v-lpa"]["runs"] == 6
    assert summary["so-w2v"]["min"] <= summary["so-w2v"]["mean"] <= summary["so-w2v"]["max"]
