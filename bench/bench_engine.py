"""Engine latency and index build time at 100, 1,000 and 10,000 entries, beside bm25s in the same run.

    .venv/bin/python bench/bench_engine.py [--sizes 100 1000 10000] [--queries 300]

The synthetic corpus is made from the words of the bundled content: each entry gets a question of 6-14
words (some with a resolution number or a date) and an answer of 25-60 words. Queries are questions of
random entries as members type them: diacritics dropped, one word missing, one typo, or unchanged.

Both systems are timed end to end from the raw question string (bm25s: fold + tokenize + retrieve top 5;
ours: the whole ``SearchIndex.search``), in turn on each query. Figures are medians over the queries; memory
is the traced allocation peak while building the index.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bm25s  # noqa: E402

from bot.knowledge.content import Entry, load_content  # noqa: E402
from bot.knowledge.search import SearchIndex  # noqa: E402
from bot.text.analyzer import Analyzer  # noqa: E402
from bot.text.normalize import fold  # noqa: E402


def word_pool() -> list[str]:
    content = load_content(ROOT / "content")
    words = {w.strip(".,:;!?()\"“”'") for e in content.entries for w in f"{e.title} {e.text}".split()}
    return sorted(w for w in words if w.isalpha())


def synthetic(n: int, pool: list[str], rng: random.Random) -> list[Entry]:
    entries = []
    for i in range(n):
        q = rng.sample(pool, rng.randint(6, 14))
        if rng.random() < 0.3:
            q.insert(rng.randrange(len(q)), str(rng.randint(1, 200)))
        if rng.random() < 0.2:
            q.insert(rng.randrange(len(q)), f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/2026")
        answer = " ".join(rng.choices(pool, k=rng.randint(25, 60)))
        entries.append(Entry(f"e{i}", "qa", " ".join(q) + "?", answer, (), "Nguồn thử nghiệm"))
    return entries


def as_typed(question: str, rng: random.Random) -> str:
    words = question.rstrip("?").split()
    kind = rng.random()
    if kind < 0.3:
        return fold(question)
    if kind < 0.55 and len(words) > 3:
        del words[rng.randrange(len(words))]
    elif kind < 0.8:
        j = rng.randrange(len(words))
        w = words[j]
        if len(w) > 3 and not w.isdigit():
            k = rng.randrange(1, len(w))
            words[j] = w[:k] + w[k - 1] + w[k:]
    return " ".join(words)


def timed_pair(ours, theirs, queries: list[str]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median latency of each system, the two timed in turn on each query so both meet the same machine
    (these machines are noisy: a run timed after the other can see another machine)."""
    for q in queries[:20]:
        ours(q)
        theirs(q)
    a, b = [], []
    for i, q in enumerate(queries):
        order = ((ours, a), (theirs, b)) if i % 2 == 0 else ((theirs, b), (ours, a))
        for fn, samples in order:
            t0 = time.perf_counter()
            fn(q)
            samples.append(time.perf_counter() - t0)
    return statistics.median(a), statistics.median(b)


def measured(build):  # type: ignore[no-untyped-def]
    """Build once for the time (median of 3), once more under tracemalloc for the memory peak: tracing
    slows allocation-heavy code several times over, so it must not be on while timing."""
    times = []
    for _ in range(3):
        gc.collect()
        t0 = time.perf_counter()
        built = build()
        times.append(time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    build()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return built, statistics.median(times), peak


def build_ours(entries: list[Entry], analyzer: Analyzer) -> tuple[SearchIndex, float, int]:
    return measured(lambda: SearchIndex(entries, analyzer))  # type: ignore[no-any-return]


def build_bm25(entries: list[Entry]) -> tuple[bm25s.BM25, float, int]:
    def build() -> bm25s.BM25:
        corpus = [fold(f"{e.title} {e.text}") for e in entries]
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(corpus, stopwords=None, show_progress=False), show_progress=False)
        return retriever

    return measured(build)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(14)
    pool = word_pool()
    analyzer = Analyzer()
    print(f"word pool: {len(pool)} words; {args.queries} queries per size; medians\n")
    print(
        "| entries | build: ours | build: bm25s | memory peak: ours | memory peak: bm25s "
        "| per question: ours | per question: bm25s | ratio ours/bm25s | top-1 hit: ours | top-1 hit: bm25s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        entries = synthetic(n, pool, rng)
        targets = [rng.randrange(n) for _ in range(args.queries)]
        queries = [as_typed(entries[t].title, rng) for t in targets]
        index, t_ours, m_ours = build_ours(entries, analyzer)
        retriever, t_bm, m_bm = build_bm25(entries)

        def ours(q: str, index: SearchIndex = index) -> str | None:
            r = index.search(q)
            return r.best.entry.id if r.best else None

        def bm25(q: str, retriever: bm25s.BM25 = retriever, entries: list[Entry] = entries) -> str | None:
            tokens = bm25s.tokenize([fold(q)], stopwords=None, show_progress=False)
            docs, _ = retriever.retrieve(tokens, k=5, show_progress=False)
            return entries[int(docs[0][0])].id

        lat_ours, lat_bm = timed_pair(ours, bm25, queries)
        hit_ours = sum(ours(q) == entries[t].id for q, t in zip(queries, targets, strict=True)) / len(queries)
        hit_bm = sum(bm25(q) == entries[t].id for q, t in zip(queries, targets, strict=True)) / len(queries)
        print(
            f"| {n:,} | {t_ours:.2f} s | {t_bm:.2f} s | {m_ours / 2**20:.1f} MiB | {m_bm / 2**20:.1f} MiB "
            f"| {lat_ours * 1e3:.2f} ms | {lat_bm * 1e3:.2f} ms | {lat_ours / lat_bm:.2f}x "
            f"| {100 * hit_ours:.0f}% | {100 * hit_bm:.0f}% |"
        )


if __name__ == "__main__":
    main()
