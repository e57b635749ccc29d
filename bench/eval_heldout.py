"""Answer quality on content and questions nobody tuned on, beside the in-sample figures, with two baselines in
the same run.

    .venv/bin/python bench/eval_heldout.py [--failures]

What is tuned, and on what: ``calibration.QUANTILE`` (the threshold's quantile of the content's own near misses)
and the decision model (answer_model.py, fitted by bench/fit_answer_model.py) on the development and blind
sets, the per-file held-out sets and the first booklet's questions. The acronym reading, the definition form
and the answer-word credit were also chosen while reading those sets' failures. Never used for any of it:
the fresh questions (tests/eval/fresh/) and the second booklet (tests/data/heldout/booklet2/).

Tables:

1. **Fresh questions, by content file** (tests/eval/fresh/<kind>-<file>.yaml): written from the content alone,
   without the engine; the engine exactly as it ships. Baselines at the threshold that is best for them on the
   question sets the engine is tuned on.
2. **By content file, held out** (tests/eval/heldout/): for each content file F, the quantile is chosen and
   the model fitted on the questions that are not about F (the other sets, less any question about F); the
   questions about F are then asked of the index over all the content. Baselines: their best threshold on
   the same questions not about F.
3. **Booklets written apart**: the second (nothing tuned on it; printed style, one phrasing per question)
   with the engine as it ships, and the first with the model fitted without its questions, as written and
   as printed. Baselines at the best threshold on these very questions, which flatters them.
4. **In sample**: tests/eval/dev.yaml and blind.yaml over the bundled content.
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
from fit_answer_model import pool  # noqa: E402

from bot.knowledge.answer_model import Model, fit  # noqa: E402
from bot.knowledge.base import load_knowledge  # noqa: E402
from bot.knowledge.calibration import QUANTILE, Decision  # noqa: E402
from bot.knowledge.content import without_phrasings  # noqa: E402
from bot.knowledge.evaluation import Case, Report, evaluate, load_cases  # noqa: E402
from bot.knowledge.search import Ranked, SearchIndex  # noqa: E402

HELDOUT = ROOT / "tests" / "eval" / "heldout"
FRESH = ROOT / "tests" / "eval" / "fresh"
DATA = ROOT / "tests" / "data" / "heldout"
BOOKLETS = (
    ("second booklet", DATA / "booklet2", DATA / "booklet2-questions.yaml", False),
    ("first booklet", DATA / "booklet", DATA / "booklet-questions.yaml", True),
)
DEV = ROOT / "tests" / "eval" / "dev.yaml"
BLIND = ROOT / "tests" / "eval" / "blind.yaml"
QUANTILES = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)
# A quantile is chosen over the default only when it does this much better on the tuning questions (the sum of
# the share answered right and the share refused): less is noise on a few hundred questions.
TOLERANCE = 0.01

Best = Callable[[str], tuple[str | None, float]]
Row = tuple[str, Case, list[float], int]


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


def _decision(index: SearchIndex, q: float, model: Model | None) -> Decision:
    key = (id(index), q)
    if key not in _DECISIONS:
        _DECISIONS[key] = index.with_quantile(q)
    return dataclasses.replace(_DECISIONS[key], model=model)


def _system(index: SearchIndex, decision: Decision):  # type: ignore[no-untyped-def]
    """The engine under another decision; a question is ranked once, whatever the decision."""

    def run(q: str) -> tuple[bool, str | None, float]:
        key = (id(index), q)
        if key not in _RANKED:
            _RANKED[key] = index.ranked(q)
        r = index.decide(_RANKED[key], decision)
        return r.answered, (r.best.entry.id if r.best else None), (r.best.score if r.best else 0.0)

    return run


def _choose(index: SearchIndex, tuning: Sequence[Case], model: Model | None) -> float:
    best_q, best = QUANTILE, -1.0
    for q in sorted(QUANTILES, key=lambda v: abs(v - QUANTILE)):  # ties go to the default
        got = _quality(evaluate(_system(index, _decision(index, q, model)), tuning))
        if got > best + TOLERANCE:
            best_q, best = q, got
    return best_q


def _fitted(rows: Sequence[Row], keep: Callable[[str, Case], bool]) -> Model:
    kept = [(x, y) for name, case, x, y in rows if keep(name, case)]
    return fit([x for x, _ in kept], [y for _, y in kept])


def _short(r: Report) -> str:
    return f"{100 * r.accuracy:.1f}% / {r.wrong} / {100 * r.refusal:.1f}%"


def _file_of(path: Path) -> str:
    kind, _, stem = path.stem.partition("-")
    return f"{kind}/{stem}.yaml"


def fresh(failures: bool) -> None:
    if not FRESH.is_dir():
        return
    knowledge = load_knowledge(ROOT / "content")
    index, entries = knowledge.index, knowledge.content.entries
    tuning = [*load_cases(DEV), *load_cases(BLIND), *(c for p in sorted(HELDOUT.glob("*.yaml")) for c in load_cases(p))]
    rf_best, bm_best = rapidfuzz_scores(entries), bm25_scores(entries)
    rf_system, t_rf = thresholded(rf_best, tuning)
    bm_system, t_bm = thresholded(bm_best, tuning)
    totals = {"engine": Report(), "rapidfuzz": Report(), "bm25s": Report()}
    print("\n## Fresh questions, by content file (tests/eval/fresh/): nothing tuned on them")
    print("| content file | questions (outside) | chibo engine as shipped | bm25s | rapidfuzz |")
    print("|---|---|---|---|---|")
    for path in sorted(FRESH.glob("*.yaml")):
        cases = load_cases(path)
        ours = evaluate(engine_system(index), cases)
        bm, rf = evaluate(bm_system, cases), evaluate(rf_system, cases)
        for name, r in (("engine", ours), ("rapidfuzz", rf), ("bm25s", bm)):
            _add(totals[name], r)
        out = sum(not c.in_scope for c in cases)
        print(f"| {_file_of(path)} | {len(cases)} ({out}) | {_short(ours)} | {_short(bm)} | {_short(rf)} |")
        if failures:
            print("\n".join(ours.failures))
    size = totals["engine"].in_scope + totals["engine"].out_of_scope
    print(
        f"| **all files** | {size} | **{_short(totals['engine'])}** | {_short(totals['bm25s'])} | "
        f"{_short(totals['rapidfuzz'])} |"
    )
    print(
        f"(threshold {index.decision.threshold:.1f} from the content; baselines at their best threshold on the "
        f"tuning sets: bm25s {t_bm:.2f}, rapidfuzz {t_rf:.1f}. Each cell: answered right of the answerable / "
        "answered wrong / outside questions refused)"
    )


def by_file(failures: bool, rows: Sequence[Row]) -> None:
    knowledge = load_knowledge(ROOT / "content")
    index = knowledge.index
    entries = knowledge.content.entries
    dev = [*load_cases(DEV), *load_cases(BLIND)]
    sets = {path: load_cases(path) for path in sorted(HELDOUT.glob("*.yaml"))}
    rf_best, bm_best = rapidfuzz_scores(entries), bm25_scores(entries)
    totals = {"engine": Report(), "rapidfuzz": Report(), "bm25s": Report()}
    print("\n## By content file, held out (tests/eval/heldout/)")
    print("| content file | questions (outside) | quantile → threshold | chibo engine | bm25s | rapidfuzz |")
    print("|---|---|---|---|---|---|")
    for path in sorted(HELDOUT.glob("*.yaml")):
        file = _file_of(path)
        ids = {e.id for e in entries if e.file == file}
        if not ids:
            print(f"| {file} | no such content file | | | | |")
            continue
        # Tuned on the questions that are not about F: every other set, less its questions about F.
        others = [c for p, cs in sets.items() if p != path for c in cs]
        tuning = [c for c in [*dev, *others] if not (c.expect & ids)]
        model = _fitted(rows, lambda name, case: name != path.stem and not (case.expect & ids))  # noqa: B023
        cases = sets[path]
        q = _choose(index, tuning, model)
        decision = _decision(index, q, model)
        ours = evaluate(_system(index, decision), cases)
        _, t_rf = thresholded(rf_best, tuning)
        _, t_bm = thresholded(bm_best, tuning)
        rf = evaluate(_at(rf_best, t_rf), cases)
        bm = evaluate(_at(bm_best, t_bm), cases)
        for name, r in (("engine", ours), ("rapidfuzz", rf), ("bm25s", bm)):
            _add(totals[name], r)
        out = sum(not c.in_scope for c in cases)
        print(
            f"| {file} | {len(cases)} ({out}) | {q:.2f} → {decision.threshold:.1f} | {_short(ours)} | "
            f"{_short(bm)} | {_short(rf)} |"
        )
        if failures:
            print("\n".join(ours.failures))
    print(
        f"| **all files** | {totals['engine'].in_scope + totals['engine'].out_of_scope} | | "
        f"**{_short(totals['engine'])}** | {_short(totals['bm25s'])} | {_short(totals['rapidfuzz'])} |"
    )
    shipped = evaluate(_system(index, index.decision), [c for cs in sets.values() for c in cs])
    size = shipped.in_scope + shipped.out_of_scope
    print(f"| all files, as shipped (tuned on these questions too) | {size} | | {_short(shipped)} | | |")
    print("(each cell: answered right of the answerable / answered wrong / outside questions refused)")


def booklets(failures: bool, rows: Sequence[Row]) -> None:
    for title, folder, questions, refit in BOOKLETS:
        if not questions.exists():
            continue
        cases = load_cases(questions)
        model = _fitted(rows, lambda name, case: name != "booklet") if refit else None
        note = "the model fitted without these questions" if refit else "nothing tuned on it"
        print(
            f"\n## The {title} written apart ({folder.relative_to(ROOT)}): {len(cases)} questions, "
            f"{sum(c.in_scope for c in cases)} answerable; {note}"
        )
        print("| system | answered right (answerable) | answered wrong | refused (outside) | note |")
        print("|---|---|---|---|---|")
        with tempfile.TemporaryDirectory() as tmp:
            for label, path in (
                ("as written", folder),
                ("as printed, no variants", without_phrasings(folder, Path(tmp))),
            ):
                index = load_knowledge(path).index
                decision = index.decision if model is None else dataclasses.replace(index.decision, model=model)
                ours = evaluate(_system(index, decision), cases)
                print(row(f"chibo engine, {label}", ours, f"threshold {decision.threshold:.1f} from the content"))
                entries = load_knowledge(path).content.entries
                for name, best in (("bm25s", bm25_scores), ("rapidfuzz WRatio", rapidfuzz_scores)):
                    system, t = thresholded(best(entries), cases)
                    print(row(f"{name}, {label}", evaluate(system, cases), f"best threshold {t:.2f} on these"))
                if failures:
                    print("\n".join(ours.failures))


def in_sample() -> None:
    knowledge = load_knowledge(ROOT / "content")
    print("\n## In sample (bundled content)")
    print("| set | chibo engine | note |")
    print("|---|---|---|")
    for path, note in ((DEV, "tuned on"), (BLIND, "tuned on since the decision model")):
        r = evaluate(engine_system(knowledge.index), load_cases(path))
        print(f"| {path.name} | {_short(r)} | {note}; threshold {knowledge.index.decision.threshold:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--failures", action="store_true", help="list every failure of the engine")
    parser.add_argument("--only", choices=("fresh", "heldout", "booklets", "sample"), help="one table only")
    args = parser.parse_args()
    rows = pool() if args.only in (None, "heldout", "booklets") else []
    if args.only in (None, "fresh"):
        fresh(args.failures)
    if args.only in (None, "heldout"):
        by_file(args.failures, rows)
    if args.only in (None, "booklets"):
        booklets(args.failures, rows)
    if args.only in (None, "sample"):
        in_sample()


if __name__ == "__main__":
    main()
