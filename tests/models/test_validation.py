"""models.validation.check_fit_labels: the label checks every model's fit shares."""

from __future__ import annotations

import numpy as np
import pytest

from depscreen.models.validation import check_fit_labels


class Tiny:
    pass


def test_labels_come_back_with_sorted_classes_indices_and_counts():
    labels = check_fit_labels(Tiny(), 5, np.array(["no", "yes", "no", "maybe", "yes"], dtype=object))
    assert labels.classes.tolist() == ["maybe", "no", "yes"]
    assert labels.index.tolist() == [1, 2, 1, 0, 2]
    assert labels.counts.tolist() == [1, 2, 2]
    assert labels.y.tolist() == ["no", "yes", "no", "maybe", "yes"]
    assert (labels.classes[labels.index] == labels.y).all()


def test_a_length_mismatch_names_both_lengths_and_the_unit():
    with pytest.raises(ValueError, match=r"^X has 3 posts but y has 2 labels$"):
        check_fit_labels(Tiny(), 3, [0, 1], unit="posts")
    with pytest.raises(ValueError, match=r"^X has 1 samples but y has 2 labels$"):
        check_fit_labels(Tiny(), 1, [0, 1])


@pytest.mark.parametrize("y", [[1, 1, 1], []])
def test_one_class_or_none_is_refused_naming_the_model(y):
    with pytest.raises(ValueError, match=r"^Tiny needs at least two classes in the training labels$"):
        check_fit_labels(Tiny(), len(y), y)
    with pytest.raises(ValueError, match=r"^Named needs at least two classes"):
        check_fit_labels("Named", len(y), y)
