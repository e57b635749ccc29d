"""Whether the first entry answers a question, near the threshold: a small logistic model over the engine's
own figures.

Far above the content's threshold the first entry is an answer, far below it is not (see
``search.answers``). In between, the score alone does not separate answerable questions from near misses
(the same words about something else): both land there. The model weighs what else the engine knows of the
first entry: how far above or below the threshold it scores, how far ahead of the second, the heaviest word
of the question it lacks (and the second lacks), the share of the question the materials never use, its
coverage (all of it and in the phrasings only), focus, phrase and similarity, the question-kind bonus,
whether it is a term, and the question's length.

It is fitted (``fit``: plain gradient descent, no randomness, so the same examples give the same weights)
on questions members type, not on the content: the development and blind sets, the per-file held-out sets
and the first booklet written apart — each question asked of its own content, labelled 1 when the first
entry is a right answer and 0 when it is wrong or the question is outside. The features are relative to the
loaded content's own threshold, so the model moves with the content as the threshold does.
``bench/fit_answer_model.py`` refits it and writes ``answer_weights.py``; ``bench/eval_heldout.py`` refits it
for each content file without the questions about that file before measuring them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

FEATURES = (
    "bias",
    "above_threshold",
    "margin",
    "lacking",
    "runner_up_lacking",
    "unknown_share",
    "coverage",
    "coverage_in_phrasings",
    "focus",
    "phrase",
    "similarity",
    "kind_bonus",
    "term",
    "length",
)
MAX_MARGIN = 20.0  # points ahead of the second entry; more says nothing more


@dataclass(frozen=True)
class Facts:
    """What the engine knows of one entry for one question, besides its score."""

    coverage: float
    coverage_in_phrasings: float
    focus: float
    phrase: float
    similarity: float
    kind_bonus: float
    term: bool
    unknown_share: float  # of the question: the weight of words the materials never use, over the whole
    length: int  # of the question, in words after analysis


@dataclass(frozen=True)
class Model:
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    cut: float = 0.55  # answer when the probability is above this

    def probability(self, x: Sequence[float]) -> float:
        z = sum(w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def answers(self, x: Sequence[float]) -> bool:
        return self.probability(x) > self.cut


def features(
    score: float, threshold: float, margin: float, lacking: float, runner_up_lacking: float, facts: Facts
) -> list[float]:
    return [
        1.0,
        (score - threshold) / 10.0,
        min(margin, MAX_MARGIN) / 10.0,
        lacking,
        runner_up_lacking,
        facts.unknown_share,
        facts.coverage,
        facts.coverage_in_phrasings,
        facts.focus,
        facts.phrase,
        facts.similarity,
        facts.kind_bonus / 5.0,
        1.0 if facts.term else 0.0,
        facts.length / 10.0,
    ]


def fit(x: Sequence[Sequence[float]], y: Sequence[int], l2: float = 1.0, iterations: int = 3000) -> Model:
    """Logistic regression on standardised features (the bias left as is), by gradient descent from zero."""
    import numpy as np

    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    mean = a.mean(axis=0)
    scale = a.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0
    scale[scale < 1e-9] = 1.0
    a = (a - mean) / scale
    w = np.zeros(a.shape[1])
    n = len(b)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a @ w)))
        w -= 0.5 * (a.T @ (p - b) / n + l2 * w / n)
    return Model(
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in scale),
        tuple(round(float(v), 6) for v in w),
    )
