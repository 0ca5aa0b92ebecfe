"""helpers.interpret: confusion counts, top losses and their figures; paired gaps."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from helpers.interpret import Interpretation, paired_gap, verdict

matplotlib.use("Agg")


def test_interpretation_counts_and_losses():
    probs = np.array(
        [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4]]
    )
    targets = np.array([0, 0, 2, 2, 2])
    interp = Interpretation(probs, targets, images=np.zeros((5, 4, 4)), class_names=["a", "b", "c"])
    np.testing.assert_array_equal(interp.confusion_matrix(), [[1, 1, 0], [0, 0, 0], [0, 2, 1]])
    assert interp.most_confused() == [("c", "b", 2), ("a", "b", 1)]
    assert interp.most_confused(min_count=2) == [("c", "b", 2)]
    losses, order = interp.top_losses(2)
    assert list(order) == [2, 1] and losses[0] == pytest.approx(-np.log(0.1))
    assert len(interp.plot_top_losses(4, ncols=2).axes) == 4
    assert interp.plot_confusion_matrix().get_title() == "Confusion matrix"
    with pytest.raises(ValueError, match="softmax"):
        Interpretation(np.ones((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match="class indices"):
        Interpretation(probs, targets + 1)


def test_most_correct_and_most_uncertain():
    probs = np.array([[0.9, 0.05, 0.05], [0.4, 0.35, 0.25], [0.2, 0.7, 0.1], [0.5, 0.1, 0.4]])
    targets = np.array([0, 1, 1, 2])
    interp = Interpretation(probs, targets, images=np.zeros((4, 4, 4)))
    assert interp.most_correct(5).tolist() == [0, 2]  # right, most confident first
    assert interp.most_uncertain(2).tolist() == [1, 3]  # margins 0.05 and 0.10
    assert len(interp.plot_samples(interp.most_uncertain(2), "Most uncertain").axes) == 3


PROBS = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1]])


@pytest.mark.parametrize(
    ("probs", "targets", "kwargs", "message"),
    [
        (np.where(PROBS > 0.75, np.nan, PROBS), [0, 1, 2], {}, r"^probs has NaN or infinite"),
        (PROBS, [0.5, 1.2, 2.0], {}, r"^targets must be class indices.* but hold 0\.5"),
        (PROBS, ["a", "b", "c"], {}, r"^targets must be class indices.* but hold 'a'"),
        (PROBS, np.eye(3), {}, r"^targets look one-hot.*targets\.argmax\(axis=1\)"),
        (np.zeros((0, 3)), [], {}, r"^probs is empty"),
        (PROBS, [0, 1, 2], {"class_names": ["a", "b"]}, r"^class_names has 2 names for 3"),
    ],
)
def test_bad_predictions_or_targets_are_one_clear_line(probs, targets, kwargs, message):
    with pytest.raises(ValueError, match=message) as error:
        Interpretation(probs, np.array(targets), **kwargs)
    assert "\n" not in str(error.value)


def test_whole_number_float_targets_are_indices():
    interp = Interpretation(PROBS, np.array([0.0, 1.0, 2.0]))
    assert interp.targets.dtype.kind == "i" and interp.most_confused() == [("2", "1", 1)]


def test_paired_gap_is_the_mean_difference_and_its_standard_error():
    a = np.array([True, True, True, False, True, False])
    b = np.array([True, False, True, False, False, True])
    gap, se = paired_gap(a, b)  # differences 0, 1, 0, 0, 1, -1
    d = np.array([0, 1, 0, 0, 1, -1])
    assert gap == pytest.approx(1 / 6) and gap == pytest.approx(a.mean() - b.mean())
    assert se == pytest.approx(d.std(ddof=1) / np.sqrt(6))
    assert paired_gap(b, a) == pytest.approx((-gap, se))
    assert paired_gap(a, a) == (0.0, 0.0)  # agreeing everywhere: no gap, no error
    assert paired_gap([1, 0, 1], [0, 0, 1]) == pytest.approx((1 / 3, np.sqrt(1 / 3) / np.sqrt(3)))


@pytest.mark.parametrize(("a", "b"), [([1, 0, 1], [1, 0]), ([1], [0]), ([[1, 0]], [[0, 1]])])
def test_paired_gap_needs_two_equal_vectors(a, b):
    with pytest.raises(ValueError, match="same length"):
        paired_gap(a, b)


def test_verdict_says_whether_a_gap_is_beyond_k_standard_errors():
    assert verdict(0.014, 0.0067) == "beyond"  # 2.1 SE
    assert verdict(-0.014, 0.0067) == "beyond"  # either sign
    assert verdict(0.013, 0.0067) == "within"  # 1.9 SE
    assert verdict(0.014, 0.0067, k=3) == "within"
    assert verdict(0.0, 0.0) == "within"  # no gap, no noise
    for se, k in [(-0.01, 2), (float("nan"), 2), (0.01, -1)]:
        with pytest.raises(ValueError, match="finite and not negative"):
            verdict(0.1, se, k)
