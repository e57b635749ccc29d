"""Fit the decision model (bot/knowledge/answer_model.py) on the question sets members' questions were
written for, and write it to bot/knowledge/answer_weights.py.

    .venv/bin/python bench/fit_answer_model.py [--check]

The examples: tests/eval/dev.yaml, blind.yaml and tests/eval/heldout/*.yaml asked of the bundled content,
and tests/data/heldout/booklet-questions.yaml asked of the first booklet written apart, each question once,
under the content's own threshold. Label 1 when the first entry is a right answer, 0 when it is wrong or the
question is outside. Not used: tests/eval/fresh/ and the second booklet (tests/data/heldout/booklet2), kept
to measure on. ``--check`` fits without writing and prints the weights.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.answer_model import FEATURES, Model, fit  # noqa: E402
from bot.knowledge.base import load_knowledge  # noqa: E402
from bot.knowledge.evaluation import Case, load_cases  # noqa: E402
from bot.knowledge.search import SearchIndex, decision_features  # noqa: E402

WEIGHTS = ROOT / "bot" / "knowledge" / "answer_weights.py"


def examples(index: SearchIndex, cases: Sequence[Case]) -> list[tuple[Case, list[float], int]]:
    """Each question the engine ranks something for: its features under the index's threshold, its label."""
    out = []
    for case in cases:
        ranked = index.ranked(case.question)
        if not ranked.scored:
            continue
        hits = index.decide(ranked).hits
        x = decision_features(hits[0], hits[1] if len(hits) > 1 else None, index.decision.threshold)
        out.append((case, x, int(case.in_scope and hits[0].entry.id in case.expect)))
    return out


def pool() -> list[tuple[str, Case, list[float], int]]:
    """(set name, case, features, label) over every set the model is fitted on."""
    rows = []
    content = load_knowledge(ROOT / "content").index
    sets = [
        ROOT / "tests/eval/dev.yaml",
        ROOT / "tests/eval/blind.yaml",
        *sorted((ROOT / "tests/eval/heldout").glob("*.yaml")),
    ]
    for path in sets:
        rows += [(path.stem, c, x, y) for c, x, y in examples(content, load_cases(path))]
    booklet = load_knowledge(ROOT / "tests/data/heldout/booklet").index
    questions = load_cases(ROOT / "tests/data/heldout/booklet-questions.yaml")
    rows += [("booklet", c, x, y) for c, x, y in examples(booklet, questions)]
    return rows


def render(model: Model, size: int) -> str:
    def row(values: tuple[float, ...]) -> str:
        return "(" + ", ".join(repr(v) for v in values) + ",)"

    return (
        f'"""The decision model as fitted by bench/fit_answer_model.py on {size} questions (see answer_model.py).\n'
        'Written by that script; features in the order of answer_model.FEATURES."""\n\n'
        "from bot.knowledge.answer_model import Model\n\n"
        "SHIPPED: Model | None = Model(\n"
        f"    mean={row(model.mean)},\n"
        f"    scale={row(model.scale)},\n"
        f"    weights={row(model.weights)},\n"
        ")\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="fit and print, do not write")
    args = parser.parse_args()
    rows = pool()
    model = fit([x for _, _, x, _ in rows], [y for _, _, _, y in rows])
    for name, w in zip(FEATURES, model.weights, strict=True):
        print(f"{name:>24} {w:+.3f}")
    print(f"{len(rows)} questions, {sum(y for *_, y in rows)} with a right first entry")
    if not args.check:
        WEIGHTS.write_text(render(model, len(rows)), encoding="utf-8")
        print(f"written to {WEIGHTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
