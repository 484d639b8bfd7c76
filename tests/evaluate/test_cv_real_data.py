"""The harness on real data (skipped when ../shared/data is absent): dedup counts and
user-level folds on the sets the baselines benchmark uses."""

from __future__ import annotations

import pytest

from depscreen.evaluate import cross_validate, deduplicate


@pytest.mark.shared_data
def test_reddit_cleaned_dedup_and_majority(shared_data):
    from depscreen.corpus.readers import read_source

    corpus = read_source(None, "reddit-cleaned")
    clean, report = deduplicate(corpus)
    assert report.items_before == 7731
    assert report.removed == report.duplicates_removed + report.conflicting_removed > 0
    assert len({r.text.strip() for r in clean}) == len(clean)
    res = cross_validate("majority", corpus, cv=5, seed=13, progress=False)
    assert res.corpus["n_items"] == len(clean)
    assert res.single_class_folds == 5 and res.mean("roc_auc") == pytest.approx(0.5)
    assert sum(f.n_test for f in res.folds) == len(clean)


@pytest.mark.shared_data
def test_cssrs_users_never_share_a_text_across_folds(shared_data):
    from depscreen.corpus.readers import read_source
    from depscreen.evaluate.splits import make_splits

    clean, report = deduplicate(read_source(None, "cssrs"))
    assert report.cross_user_removed > 0
    plan = make_splits(clean.labels, cv=5, seed=13)
    fold = plan.folds[0]
    train = {p.text.strip() for i in fold.train for p in clean[i].posts}
    test = {p.text.strip() for i in fold.test for p in clean[i].posts}
    assert not train & test
