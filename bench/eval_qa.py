"""Q&A accuracy on the evaluation sets, side by side with two baselines run in the same process.

    .venv/bin/python bench/eval_qa.py [--content DIR] [--cases FILE ...] [--failures]

Baselines (each given the answer threshold that is best for it on the very set it is scored on, which
flatters them):
  - rapidfuzz: WRatio of the folded question against every folded question/variant/term/alias;
  - bm25s: BM25 over folded question, variants and answer text.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bm25s  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from bot.knowledge.base import load_knowledge  # noqa: E402
from bot.knowledge.content import Entry  # noqa: E402
from bot.knowledge.evaluation import Case, Report, evaluate, load_cases  # noqa: E402
from bot.knowledge.search import SearchIndex  # noqa: E402
from bot.text.normalize import fold  # noqa: E402

DEFAULT_CASES = [ROOT / "tests" / "eval" / "dev.yaml", ROOT / "tests" / "eval" / "blind.yaml"]


def engine_system(index: SearchIndex):  # type: ignore[no-untyped-def]
    def run(q: str) -> tuple[bool, str | None, float]:
        r = index.search(q)
        return r.answered, (r.best.entry.id if r.best else None), (r.best.score if r.best else 0.0)

    return run


def rapidfuzz_scores(entries: Sequence[Entry]):  # type: ignore[no-untyped-def]
    choices, owners = [], []
    for e in entries:
        for k in e.keys:
            choices.append(fold(k))
            owners.append(e.id)

    def best(q: str) -> tuple[str | None, float]:
        hit = process.extractOne(fold(q), choices, scorer=fuzz.WRatio)
        return (owners[hit[2]], float(hit[1])) if hit else (None, 0.0)

    return best


def bm25_scores(entries: Sequence[Entry]):  # type: ignore[no-untyped-def]
    corpus = [fold(" ".join([*e.keys, e.text])) for e in entries]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stopwords=None, show_progress=False), show_progress=False)
    ids = [e.id for e in entries]

    def best(q: str) -> tuple[str | None, float]:
        tokens = bm25s.tokenize([fold(q)], stopwords=None, show_progress=False)
        if not tokens.vocab:
            return None, 0.0
        docs, scores = retriever.retrieve(tokens, k=1, show_progress=False)
        return ids[int(docs[0][0])], float(scores[0][0])

    return best


def thresholded(best, cases: Sequence[Case]):  # type: ignore[no-untyped-def]
    """The baseline with the threshold that maximises its own mean of accuracy and refusal."""
    cached = {c.question: best(c.question) for c in cases}
    candidates = sorted({s for _, s in cached.values()} | {0.0})

    def system_at(t: float):  # type: ignore[no-untyped-def]
        return lambda q: (cached[q][1] >= t and cached[q][0] is not None, cached[q][0], cached[q][1])

    def quality(t: float) -> float:
        r = evaluate(system_at(t), cases)
        return r.accuracy + r.refusal

    t = max(candidates, key=quality)
    return system_at(t), t


def row(name: str, r: Report, note: str = "") -> str:
    return (
        f"| {name} | {r.right}/{r.in_scope} ({100 * r.accuracy:.1f}%) | {r.wrong} | "
        f"{r.refused_out}/{r.out_of_scope} ({100 * r.refusal:.1f}%) | {note} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--cases", type=Path, nargs="*", default=DEFAULT_CASES)
    parser.add_argument("--failures", action="store_true", help="list every failure of the engine")
    args = parser.parse_args()
    knowledge = load_knowledge(args.content)
    entries = knowledge.content.entries
    for path in args.cases:
        if not path.exists():
            continue
        cases = load_cases(path)
        print(f"\n{path}: {len(cases)} questions, {sum(c.in_scope for c in cases)} in scope")
        print("| system | answered right (in scope) | answered wrong | refused (out of scope) | note |")
        print("|---|---|---|---|---|")
        ours = evaluate(engine_system(knowledge.index), cases)
        print(row("chibo engine", ours, f"threshold {knowledge.index.decision.threshold:.1f} from the content"))
        rf, t = thresholded(rapidfuzz_scores(entries), cases)
        print(row("rapidfuzz WRatio", evaluate(rf, cases), f"best threshold {t:.1f}"))
        bm, t = thresholded(bm25_scores(entries), cases)
        print(row("bm25s over folded text", evaluate(bm, cases), f"best threshold {t:.2f}"))
        if args.failures:
            print("\n".join(ours.failures))


if __name__ == "__main__":
    main()
