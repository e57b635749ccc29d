"""Engine latency and index build time at 100, 1,000 and 10,000 entries, beside bm25s in the same run.

    .venv/bin/python bench/bench_engine.py [--sizes 100 1000 10000] [--queries 300]
    .venv/bin/python bench/bench_engine.py --cli [--entries 10000] [--batches 500 2500] [--repeats 5]

The synthetic corpus is made from the words of the bundled content: each entry gets a question of 6-14
words (some with a resolution number or a date) and an answer of 25-60 words. Queries are questions of
random entries as members type them: diacritics dropped, one word missing, one typo, or unchanged.

Both systems are timed end to end from the raw question string (bm25s: fold + tokenize + retrieve top 5;
ours: the whole ``SearchIndex.search``), in turn on each query. Figures are medians over the queries; memory
is the traced allocation peak while building the index.

``--cli`` measures the command a user runs instead: the synthetic corpus is written as a content directory
of YAML files, and ``chibo ask --json --content DIR`` is run as a subprocess with the questions on stdin, once
per batch size. The cost per question is the difference of the two batches' times over the difference
of their sizes (questions on stdin from a file, answers to a file), so process start, content load and
index build cancel out; start-up is the time from starting the process to its answer line, asked one question
on a pipe; "start-up + N questions" is the smaller batch's whole run, and in CPU time start-up is that run
less N times the cost per question. bm25s runs in the same repetition over the same entries (the
regex words of the folded question and answer): its index built, then the same questions retrieved one at a
time (top 5), the cost per question being that loop's time over its length. Figures are medians over the
repetitions; the ratio is taken per repetition, then its median.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

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


def write_content(entries: list[Entry], folder: Path, per_file: int = 1000) -> None:
    """The entries as a content directory, ``per_file`` Q&A items to a YAML file."""
    (folder / "qa").mkdir(parents=True)
    for start in range(0, len(entries), per_file):
        items = [{"id": e.id, "question": e.title, "answer": e.text} for e in entries[start : start + per_file]]
        data = {"source": "Nguồn thử nghiệm", "items": items}
        path = folder / "qa" / f"synthetic-{start // per_file:03d}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


def _chibo(folder: Path) -> list[str]:
    return [str(ROOT / ".venv" / "bin" / "chibo"), "ask", "--json", "--content", str(folder)]


def first_answer(folder: Path, question: str) -> float:
    """Wall seconds from starting ``chibo ask --json`` to its answer line: start-up and one question."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(_chibo(folder), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(question + "\n")
    proc.stdin.close()
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    proc.stdout.read()
    if proc.wait() != 0 or not line:
        raise SystemExit(f"chibo ask failed: exit {proc.returncode}")
    return elapsed


def run_batch(folder: Path, questions: list[str], tmp: Path) -> tuple[float, float, list[str]]:
    """One ``chibo ask --json`` run over a batch on stdin, answers to a file: (wall seconds, CPU seconds the
    process used, its output lines). CPU time is what other work on a shared machine disturbs least."""
    (tmp / "questions.txt").write_text("".join(q + "\n" for q in questions), encoding="utf-8")
    with open(tmp / "questions.txt", "rb") as stdin, open(tmp / "answers.jsonl", "wb") as stdout:
        t0 = time.perf_counter()
        proc = subprocess.Popen(_chibo(folder), stdin=stdin, stdout=stdout)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = (tmp / "answers.jsonl").read_text(encoding="utf-8").splitlines()
    if proc.returncode != 0 or len(lines) != len(questions):
        raise SystemExit(f"chibo ask failed: exit {proc.returncode}, {len(lines)} lines for {len(questions)}")
    return wall, usage.ru_utime + usage.ru_stime, lines


def cli(n: int, batches: tuple[int, int], repeats: int, rng: random.Random) -> None:
    small, large = batches
    pool = word_pool()
    entries = synthetic(n, pool, rng)
    questions = [as_typed(entries[rng.randrange(n)].title, rng) for _ in range(large)]
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "content"
        write_content(entries, folder)
        files = sum(1 for _ in (folder / "qa").glob("*.yaml"))
        print(
            f"{n:,} entries written as YAML to {files} files; batches of {small} and {large} questions; "
            f"{repeats} repetitions. Wall time, and in brackets CPU time (less disturbed by other work)\n"
        )
        print(
            f"| repetition | start-up to first answer | start-up + {small} questions | per question: chibo ask "
            "| bm25s index | per question: bm25s | ratio |"
        )
        print("|---|---|---|---|---|---|---|")
        for rep in range(repeats):
            runs = {}
            for size in (small, large) if rep % 2 == 0 else (large, small):
                runs[size] = run_batch(folder, questions[:size], tmp)
            if runs[large][2][:small] != runs[small][2]:
                raise SystemExit("the two batches answered the same questions differently")
            answers = [json.loads(line) for line in runs[small][2][:3]]
            assert all(set(a) == {"query", "answered", "results"} for a in answers)
            row = {
                "first": first_answer(folder, questions[0]),
                "small": runs[small][0],
                "small_cpu": runs[small][1],
                "cost": (runs[large][0] - runs[small][0]) / (large - small),
                "cost_cpu": (runs[large][1] - runs[small][1]) / (large - small),
            }
            # Start-up in CPU time: the small batch less its questions.
            row["startup_cpu"] = row["small_cpu"] - small * row["cost_cpu"]

            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            corpus = [fold(f"{e.title} {e.text}") for e in entries]
            retriever = bm25s.BM25()
            retriever.index(bm25s.tokenize(corpus, stopwords=None, show_progress=False), show_progress=False)
            row["bm_index"], row["bm_index_cpu"] = time.perf_counter() - t0, time.process_time() - c0
            t0, c0 = time.perf_counter(), time.process_time()
            for q in questions:
                tokens = bm25s.tokenize([fold(q)], stopwords=None, show_progress=False)
                retriever.retrieve(tokens, k=5, show_progress=False)
            row["bm_cost"] = (time.perf_counter() - t0) / len(questions)
            row["bm_cost_cpu"] = (time.process_time() - c0) / len(questions)
            row["ratio"] = row["cost"] / row["bm_cost"]
            row["ratio_cpu"] = row["cost_cpu"] / row["bm_cost_cpu"]
            rows.append(row)
            print(_cli_row(str(rep + 1), row))
    print(_cli_row("**median**", {k: statistics.median(r[k] for r in rows) for k in rows[0]}))


def _cli_row(label: str, r: dict[str, float]) -> str:
    return (
        f"| {label} | {r['first']:.2f} s ({r['startup_cpu']:.2f} s) | {r['small']:.2f} s ({r['small_cpu']:.2f} s) "
        f"| {r['cost'] * 1e3:.3f} ms ({r['cost_cpu'] * 1e3:.3f} ms) "
        f"| {r['bm_index']:.2f} s ({r['bm_index_cpu']:.2f} s) "
        f"| {r['bm_cost'] * 1e3:.3f} ms ({r['bm_cost_cpu'] * 1e3:.3f} ms) "
        f"| {r['ratio']:.2f}x ({r['ratio_cpu']:.2f}x) |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--cli", action="store_true", help="time `chibo ask --json` as a subprocess instead")
    parser.add_argument("--entries", type=int, default=10000, help="--cli: entries in the content directory")
    parser.add_argument("--batches", type=int, nargs=2, default=[500, 2500], help="--cli: the two batch sizes")
    parser.add_argument("--repeats", type=int, default=5, help="--cli: repetitions")
    args = parser.parse_args()
    if args.cli:
        cli(args.entries, (args.batches[0], args.batches[1]), args.repeats, random.Random(14))
        return
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
