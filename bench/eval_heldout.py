"""Answer quality on content nobody tuned on, beside the in-sample figures, with two baselines in the same run.

    .venv/bin/python bench/eval_heldout.py [--failures]

Three measures, each printed as a table:

1. **By content file, held out** (tests/eval/heldout/<kind>-<file>.yaml, written after the engine was set and
   never used to tune it). For each content file F, the two hand-set constants of the decision to answer
   (``calibration.QUANTILE`` and ``calibration.BAND``) are chosen on the questions that are not about F (the
   development set's and the other files' held-out ones); then the questions about F are asked of the index over
   all the content. The
   baselines get their threshold the same way: the best one on the questions that are not about F.
2. **A booklet written apart** (tests/data/heldout/booklet/, its questions in
   tests/data/heldout/booklet-questions.yaml): different authors, same topics, nothing tuned on it. Asked
   once as written (with variants), once as a printed booklet gives it (one phrasing per question).
   The baselines get the threshold that is best for them on these very questions, which flatters them.
3. **In sample**: tests/eval/dev.yaml (tuned on) and blind.yaml over the bundled content.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_qa import bm25_scores, engine_system, rapidfuzz_scores, row, thresholded  # noqa: E402

from bot.knowledge.base import load_knowledge  # noqa: E402
from bot.knowledge.calibration import BAND, QUANTILE, Decision  # noqa: E402
from bot.knowledge.content import without_phrasings  # noqa: E402
from bot.knowledge.evaluation import Case, Report, evaluate, load_cases  # noqa: E402
from bot.knowledge.search import Ranked, SearchIndex  # noqa: E402

HELDOUT = ROOT / "tests" / "eval" / "heldout"
BOOKLET = ROOT / "tests" / "data" / "heldout" / "booklet"
BOOKLET_QUESTIONS = ROOT / "tests" / "data" / "heldout" / "booklet-questions.yaml"
DEV = ROOT / "tests" / "eval" / "dev.yaml"
BLIND = ROOT / "tests" / "eval" / "blind.yaml"
QUANTILES = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
BANDS = (0.0, 3.0, 5.0, 8.0, 10.0)

Best = Callable[[str], tuple[str | None, float]]


def _add(total: Report, r: Report) -> None:
    total.in_scope += r.in_scope
    total.right += r.right
    total.wrong += r.wrong
    total.refused_in_scope += r.refused_in_scope
    total.out_of_scope += r.out_of_scope
    total.refused_out += r.refused_out
    total.failures += r.failures


def _at(best: Best, t: float):  # type: ignore[no-untyped-def]
    def run(q: str) -> tuple[bool, str | None, float]:
        got, score = best(q)
        return score >= t and got is not None, got, score

    return run


def _quality(r: Report) -> float:
    return r.accuracy + r.refusal


_DECISIONS: dict[tuple[int, float], Decision] = {}
_RANKED: dict[tuple[int, str], Ranked] = {}


def _decision(index: SearchIndex, q: float, band: float) -> Decision:
    key = (id(index), q)
    if key not in _DECISIONS:
        _DECISIONS[key] = index.with_quantile(q)
    return dataclasses.replace(_DECISIONS[key], band=band)


def _system(index: SearchIndex, decision: Decision):  # type: ignore[no-untyped-def]
    """The engine under another decision; a question is ranked once, whatever the decision."""

    def run(q: str) -> tuple[bool, str | None, float]:
        key = (id(index), q)
        if key not in _RANKED:
            _RANKED[key] = index.ranked(q)
        r = index.decide(_RANKED[key], decision)
        return r.answered, (r.best.entry.id if r.best else None), (r.best.score if r.best else 0.0)

    return run


def _choose(index: SearchIndex, tuning: Sequence[Case]) -> tuple[float, float]:
    best_qb, best = (QUANTILE, BAND), -1.0
    grid = [(q, b) for q in QUANTILES for b in BANDS]
    for q, b in sorted(grid, key=lambda v: (abs(v[0] - QUANTILE), abs(v[1] - BAND))):  # ties go to the default
        got = _quality(evaluate(_system(index, _decision(index, q, b)), tuning))
        if got > best + 1e-9:
            best_qb, best = (q, b), got
    return best_qb


def by_file(failures: bool, heldout: Path) -> None:
    knowledge = load_knowledge(ROOT / "content")
    index = knowledge.index
    entries = knowledge.content.entries
    dev = load_cases(DEV)
    sets = {path: load_cases(path) for path in sorted(heldout.glob("*.yaml"))}
    rf_best, bm_best = rapidfuzz_scores(entries), bm25_scores(entries)
    totals = {"engine": Report(), "rapidfuzz": Report(), "bm25s": Report()}
    print("\n## By content file, held out (tests/eval/heldout/)")
    print("| content file | questions (outside) | quantile → threshold, band | chibo engine | bm25s | rapidfuzz |")
    print("|---|---|---|---|---|---|")
    for path in sorted(heldout.glob("*.yaml")):
        kind, _, stem = path.stem.partition("-")
        file = f"{kind}/{stem}.yaml"
        ids = {e.id for e in entries if e.file == file}
        if not ids:
            print(f"| {file} | no such content file | | | | |")
            continue
        # Tuned on the questions that are not about F: the development set's and the other files' held-out ones.
        others = [c for p, cs in sets.items() if p != path for c in cs]
        tuning = [c for c in [*dev, *others] if not (c.expect & ids)]
        cases = sets[path]
        q, band = _choose(index, tuning)
        decision = _decision(index, q, band)
        ours = evaluate(_system(index, decision), cases)
        _, t_rf = thresholded(rf_best, tuning)
        _, t_bm = thresholded(bm_best, tuning)
        rf = evaluate(_at(rf_best, t_rf), cases)
        bm = evaluate(_at(bm_best, t_bm), cases)
        for name, r in (("engine", ours), ("rapidfuzz", rf), ("bm25s", bm)):
            _add(totals[name], r)
        out = sum(not c.in_scope for c in cases)
        print(
            f"| {file} | {len(cases)} ({out}) | {q:.2f} → {decision.threshold:.1f}, {band:.0f} | {_short(ours)} | "
            f"{_short(bm)} | {_short(rf)} |"
        )
        if failures:
            print("\n".join(ours.failures))
    everything = [*dev, *(c for cs in sets.values() for c in cs)]
    chosen, band = _choose(index, everything)
    print(
        f"(on every question above and the development set together the quantile chosen is {chosen:.2f} and the "
        f"band {band:.0f}; the engine ships with {QUANTILE:.2f} and {BAND:.0f})"
    )
    print(
        f"| **all files** | {totals['engine'].in_scope + totals['engine'].out_of_scope} | | "
        f"**{_short(totals['engine'])}** | {_short(totals['bm25s'])} | {_short(totals['rapidfuzz'])} |"
    )
    shipped = evaluate(_system(index, index.decision), [c for cs in sets.values() for c in cs])
    size = shipped.in_scope + shipped.out_of_scope
    print(f"| all files, with the constants that ship | {size} | | {_short(shipped)} | | |")
    print("(each cell: answered right of the answerable / answered wrong / outside questions refused)")


def _short(r: Report) -> str:
    return f"{100 * r.accuracy:.1f}% / {r.wrong} / {100 * r.refusal:.1f}%"


def booklet(failures: bool) -> None:
    if not BOOKLET_QUESTIONS.exists():
        print("\n(no booklet written apart: tests/data/heldout/booklet-questions.yaml is missing)")
        return
    cases = load_cases(BOOKLET_QUESTIONS)
    print(
        f"\n## A booklet written apart ({BOOKLET.relative_to(ROOT)}): {len(cases)} questions, "
        f"{sum(c.in_scope for c in cases)} answerable"
    )
    print("| system | answered right (answerable) | answered wrong | refused (outside) | note |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, folder in (
            ("as written", BOOKLET),
            ("as printed, no variants", without_phrasings(BOOKLET, Path(tmp))),
        ):
            knowledge = load_knowledge(folder)
            ours = evaluate(engine_system(knowledge.index), cases)
            print(
                row(
                    f"chibo engine, {label}",
                    ours,
                    f"threshold {knowledge.index.decision.threshold:.1f} from the content",
                )
            )
            for name, best in (("bm25s", bm25_scores), ("rapidfuzz WRatio", rapidfuzz_scores)):
                system, t = thresholded(best(knowledge.content.entries), cases)
                print(row(f"{name}, {label}", evaluate(system, cases), f"best threshold {t:.2f} on these questions"))
            if failures:
                print("\n".join(ours.failures))


def in_sample() -> None:
    knowledge = load_knowledge(ROOT / "content")
    print("\n## In sample (bundled content)")
    print("| set | chibo engine | note |")
    print("|---|---|---|")
    for path, note in ((DEV, "tuned on"), (BLIND, "kept apart from tuning, same content")):
        r = evaluate(engine_system(knowledge.index), load_cases(path))
        print(f"| {path.name} | {_short(r)} | {note}; threshold {knowledge.index.decision.threshold:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--failures", action="store_true", help="list every failure of the engine")
    parser.add_argument("--heldout", type=Path, default=HELDOUT, help="folder of per-file question sets")
    args = parser.parse_args()
    by_file(args.failures, args.heldout)
    booklet(args.failures)
    in_sample()


if __name__ == "__main__":
    main()
