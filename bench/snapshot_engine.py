"""Every answer the engine gives on the evaluation questions, printed so that two versions can be diffed.

    .venv/bin/python bench/snapshot_engine.py > /tmp/before.txt
    ... change the engine ...
    .venv/bin/python bench/snapshot_engine.py | diff /tmp/before.txt -

For each content set (content/, the same without variants and aliases, and a synthetic corpus large enough
for the candidate selection to matter) it prints the decision to answer (the threshold in full precision)
and, for every question of tests/eval/dev.yaml, blind.yaml and tests/eval/heldout/*.yaml (and the booklet's
questions when present): the answered flag, the reason, each hit's id, score and closeness, and the first
result's score before rounding. A speed change must leave this output byte-identical.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_engine import as_typed, synthetic, word_pool  # noqa: E402

from bot.knowledge.base import load_knowledge  # noqa: E402
from bot.knowledge.content import without_phrasings  # noqa: E402
from bot.knowledge.evaluation import load_cases  # noqa: E402
from bot.knowledge.search import SearchIndex, SearchResult  # noqa: E402
from bot.text.analyzer import Analyzer  # noqa: E402


def question_sets() -> list[Path]:
    sets = [ROOT / "tests/eval/dev.yaml", ROOT / "tests/eval/blind.yaml"]
    sets += sorted((ROOT / "tests/eval/heldout").glob("*.yaml"))
    booklet = ROOT / "tests/data/heldout/booklet-questions.yaml"
    if booklet.exists():
        sets.append(booklet)
    return sets


def show(index: SearchIndex, questions: list[str]) -> None:
    print(f"decision {index.decision!r}")
    for q in questions:
        r = index.search(q)
        hits = " ".join(f"{h.entry.id}:{h.score!r}/{h.closeness!r}" for h in r.hits)
        raw = index._rank(q)
        first = repr(raw[2][0].score) if not isinstance(raw, SearchResult) and raw[2] else "-"
        print(f"{q!r} {int(r.answered)} {r.reason} {first} {hits}")


def main() -> None:
    questions = [c.question for path in question_sets() for c in load_cases(path)]
    with tempfile.TemporaryDirectory() as tmp:
        for label, folder in (
            ("content/", ROOT / "content"),
            ("content/ without variants", without_phrasings(ROOT / "content", Path(tmp))),
        ):
            print(f"## {label}")
            show(load_knowledge(folder).index, questions)
    rng = random.Random(14)
    entries = synthetic(3000, word_pool(), rng)
    typed = [as_typed(entries[rng.randrange(len(entries))].title, rng) for _ in range(400)]
    print("## synthetic, 3,000 entries")
    show(SearchIndex(entries, Analyzer()), typed + questions)


if __name__ == "__main__":
    main()
