"""The decision near the threshold: a logistic model over the engine's figures, fitted by a script."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.knowledge.answer_model import FEATURES, Facts, Model, fit
from bot.knowledge.answer_weights import SHIPPED
from bot.knowledge.calibration import Decision
from bot.knowledge.content import Entry
from bot.knowledge.search import BELOW_LACKING, Hit, answers

ROOT = Path(__file__).resolve().parent.parent
ENTRY = Entry(id="e", kind="qa", title="Câu hỏi?", text="Trả lời.", alternatives=(), source="test")
FACTS = Facts(0.8, 0.7, 0.7, 0.5, 0.7, 3.0, False, 0.0, 8)


def _always(yes: bool) -> Model:
    n = len(FEATURES)
    return Model((0.0,) * n, (1.0,) * n, (30.0 if yes else -30.0,) + (0.0,) * (n - 1))


def _hit(score: float, lacking: float = 0.0) -> Hit:
    return Hit(ENTRY, score, score, lacking, FACTS)


def test_far_from_the_threshold_the_score_decides_and_in_between_the_model() -> None:
    yes = Decision(50.0, band=8.0, below=10.0, model=_always(True))
    no = Decision(50.0, band=8.0, below=10.0, model=_always(False))
    assert answers(_hit(58.0), None, no)  # band points above: an answer whatever the model says
    assert not answers(_hit(39.9), None, yes)  # more than `below` under: never
    assert not answers(_hit(45.0, lacking=BELOW_LACKING), None, yes)  # under, lacking a weighty word: never
    assert answers(_hit(45.0), _hit(20.0), yes) and not answers(_hit(45.0), _hit(20.0), no)
    assert answers(_hit(55.0, lacking=0.5), None, yes) and not answers(_hit(55.0), None, no)
    # without a model, the threshold and the weighty-word rule
    bare = Decision(50.0, band=8.0, below=10.0, model=None)
    assert answers(_hit(50.0), None, bare) and not answers(_hit(49.9), None, bare)
    assert not answers(_hit(55.0, lacking=0.5), None, bare)


def test_fitting_is_deterministic_and_learns_the_direction() -> None:
    x = [[1.0, s / 10, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0, 0.0, 1.0] for s in range(-20, 21)]
    y = [int(row[1] > 0) for row in x]
    a, b = fit(x, y), fit(x, y)
    assert a == b
    assert a.probability(x[-1]) > 0.9 and a.probability(x[0]) < 0.1


def test_the_shipped_model_is_what_the_script_fits() -> None:
    """bot/knowledge/answer_weights.py is written by bench/fit_answer_model.py: an engine change that moves
    the figures it is fitted on needs the script run again."""
    sys.path.insert(0, str(ROOT / "bench"))
    from fit_answer_model import pool

    rows = pool()
    model = fit([x for *_, x, _ in rows], [y for *_, y in rows])
    assert SHIPPED is not None
    for got, shipped in ((model.mean, SHIPPED.mean), (model.scale, SHIPPED.scale), (model.weights, SHIPPED.weights)):
        assert got == pytest.approx(shipped, abs=1e-4)
