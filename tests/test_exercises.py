"""Every checked exercise (helpers.exercises): its reference answer passes, each mistake it
names prints its hint, no wrong answer passes, and the empty stub says "not filled in"."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from helpers.exercises import NOT_FILLED, Exercise, all_exercises, as_array, integer, number

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = all_exercises()
CASES = [
    pytest.param(item, id=f"{module}-q{n}")
    for module, items in sorted(EXERCISES.items())
    for n, item in sorted(items.items())
]


def _answers(value):
    return value() if callable(value) else value


@pytest.mark.parametrize("item", CASES)
def test_reference_answer_is_correct(item: Exercise):
    verdict = item.verdict(*item.reference())
    assert verdict.correct, verdict.message


@pytest.mark.parametrize("item", CASES)
def test_each_mistake_gets_its_hint(item: Exercise):
    assert len(item.mistakes) >= 2, "name at least two likely mistakes and their hints"
    for fragment, answer in item.mistakes.items():
        verdict = item.verdict(*_answers(answer))
        assert verdict.status == "not yet", (fragment, verdict.message)
        assert fragment in verdict.message, (fragment, verdict.message)


@pytest.mark.parametrize("item", CASES)
def test_wrong_answers_never_pass(item: Exercise):
    for answer in item.wrong:
        verdict = item.verdict(*_answers(answer))
        assert verdict.status == "not yet", (answer, verdict.message)
        assert verdict.message.startswith("Not yet. ") and len(verdict.message) > 20


@pytest.mark.parametrize("item", CASES)
def test_empty_stub_says_not_filled_in(item: Exercise, capsys):
    n_names = len(item.reference())
    item.check(*([...] * n_names))
    assert capsys.readouterr().out.strip() == NOT_FILLED.strip()
    item.check()
    assert "Not filled in" in capsys.readouterr().out


@pytest.mark.parametrize("item", CASES)
def test_hint_and_solution_print(item: Exercise, capsys):
    item.hint()
    item.solution()
    out = capsys.readouterr().out
    assert out.startswith("Hint: ") and "Solution: " in out and len(out) > 80


def test_wrong_number_of_values_is_a_hint_not_an_error():
    item = EXERCISES["lecture01"][1]
    assert item.verdict(0.88, 0.5).message == "Not yet. check() takes 1: new_auc."


def test_strict_mode_turns_not_yet_into_a_failure(monkeypatch, capsys):
    item = EXERCISES["lecture01"][1]
    monkeypatch.setenv("HELPERS_EXERCISES_STRICT", "1")
    item.check(...)  # an empty stub still only prints
    assert "Not filled in" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="exercise 1: Not yet"):
        item.check(0.5)
    monkeypatch.setenv("HELPERS_EXERCISES_STRICT", "0")
    item.check(0.5)
    assert capsys.readouterr().out.startswith("Not yet.")


def test_values_of_any_kind_are_read():
    assert number(np.float32(0.5)) == 0.5 and number(np.array([[2]])) == 2.0
    assert integer(12.0) == 12 and integer(np.int64(3)) == 3
    with pytest.raises(Exception, match="whole number"):
        integer(12.5)
    with pytest.raises(Exception, match="not the text"):
        number("0.5")
    with pytest.raises(Exception, match="transposed"):
        as_array(np.zeros((3, 2)), shape=(2, 3))


def test_a_tensor_on_a_gpu_is_read():
    """A torch CUDA tensor cannot go through np.asarray: it is moved to the host first."""

    class DeviceTensor:  # what matters of torch.Tensor on a GPU
        def __init__(self, values):
            self.values = np.asarray(values)

        def __array__(self, *args, **kwargs):
            raise TypeError("can't convert cuda:0 device type tensor to numpy")

        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return self.values

    assert number(DeviceTensor(0.5)) == 0.5
    assert as_array(DeviceTensor([1.0, 2.0]), shape=(2,)).tolist() == [1.0, 2.0]


def test_every_checked_exercise_has_a_stub_in_its_lecture():
    """The lecture calls ``ex.qN.check(...)`` for each exercise its module defines, and
    imports that module; the numbers agree with the lecture's list."""
    total = 0
    for module, items in EXERCISES.items():
        number_ = module.removeprefix("lecture")
        (source,) = ROOT.glob(f"book/{number_}_*.py")
        text = source.read_text()
        assert f"from helpers.exercises import {module} as ex" in text, source.name
        called = {int(n) for n in re.findall(r"ex\.q(\d+)\.check\(", text)}
        assert called == set(items), (source.name, sorted(called), sorted(items))
        total += len(items)
    assert total >= 45


def test_every_lecture_checks_at_least_three_exercises():
    lectures = sorted(p.name[:2] for p in ROOT.glob("book/[0-9][0-9]_*.py"))
    counts = {n: len(EXERCISES.get(f"lecture{n}", {})) for n in lectures}
    assert len(lectures) == 15 and min(counts.values()) >= 3, counts
