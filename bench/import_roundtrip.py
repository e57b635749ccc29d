"""Booklets typeset from a content folder, imported back: how many entries come back whole, per style, and
how well the bot answers from the imported content compared with the same content written by hand.

    .venv/bin/python bench/import_roundtrip.py [--content DIR [--cases FILE]] ... [--styles NAME ...]

Without --content: content/ asked with tests/eval/dev.yaml, then the booklet written apart,
tests/data/heldout/booklet/, asked with tests/data/heldout/booklet-questions.yaml. Each --content is asked
with the --cases given in the same position (none: those above for these two folders, else the booklets are
only imported back).

Table 1, per style (tests/booklets.py typesets them): entries printed, entries found, intact (question or term
exact — case-insensitive for terms printed in capitals — and answer ≥ 95% the same, rapidfuzz ratio on
whitespace-normalised text), exact (character for character, case included), answers with a running
header, footer, part heading or stray page number inside, numbering mistakes printed / reported.

Table 2, asked through the bot (the evaluation questions, e.g. tests/eval/dev.yaml, against the content):
  - by hand, as written: the content folder itself (with its variants, aliases and tags);
  - by hand, what a booklet prints: the same entries with only question/answer or term/definition and ref —
    variants, aliases and tags removed, since a booklet has none;
  - imported: the Q&A and the glossary typeset in a pair of styles, imported, and each imported entry given the
    id of the hand-written entry with the same title (so the questions' expected ids still apply); "against
    the booklet" is its difference, in points, from the hand-written content cut to what a booklet prints.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot.documents import read_structure  # noqa: E402
from bot.knowledge.base import load_knowledge  # noqa: E402
from bot.knowledge.content import Entry, load_content  # noqa: E402
from bot.knowledge.evaluation import Case, evaluate, load_cases  # noqa: E402
from bot.knowledge.importer import import_booklet  # noqa: E402
from bot.messages.vi_import import summary  # noqa: E402
from tests.booklets import GLOSSARY_STYLES, QA_STYLES, STYLES, Booklet, Style, booklets, round_trip  # noqa: E402


def import_entries(booklet: Booklet) -> tuple[list[dict[str, Any]], list[str]]:
    reading = read_structure(booklet.filename, booklet.content)
    result = import_booklet(reading.lines, booklet.kind, "Tài liệu nhập thử", notes=reading.notes)  # type: ignore[arg-type]
    return result.entries, summary(result)


def _dump(folder: Path, name: str, key: str, entries: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"source": "Tài liệu", key: entries}, allow_unicode=True, sort_keys=False, width=4096)
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")


def booklet_fields(entry: Entry) -> dict[str, Any]:
    if entry.kind == "qa":
        return {"id": entry.id, "question": entry.title, "answer": entry.text, "ref": entry.ref or "-"}
    return {"id": entry.id, "term": entry.title, "definition": entry.text, "ref": entry.ref or "-"}


def with_hand_ids(imported: list[dict[str, Any]], hand: list[Entry], kind: str) -> list[dict[str, Any]]:
    """Each imported entry under the id of the hand-written entry with the same title; unmatched ones keep theirs."""
    title = "question" if kind == "qa" else "term"
    by_title: dict[str, list[str]] = {}
    for e in hand:
        by_title.setdefault(e.title.casefold(), []).append(e.id)
    out = []
    for entry in imported:
        ids = by_title.get(entry[title].casefold())
        out.append({**entry, "id": ids.pop(0) if ids else f"nhap-{entry['id']}"})
    return out


def score(content_dir: Path, cases: list[Case]) -> tuple[int, int, int]:
    knowledge = load_knowledge(content_dir)

    def system(q: str) -> tuple[bool, str | None, float]:
        r = knowledge.index.search(q)
        return r.answered, (r.best.entry.id if r.best else None), (r.best.score if r.best else 0.0)

    report = evaluate(system, cases)
    return report.right, report.in_scope, report.wrong


DEFAULTS = (
    (ROOT / "content", ROOT / "tests" / "eval" / "dev.yaml"),
    (ROOT / "tests" / "data" / "heldout" / "booklet", ROOT / "tests" / "data" / "heldout" / "booklet-questions.yaml"),
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--content", type=Path, action="append", help="a content folder (qa/, glossary/)")
    parser.add_argument("--cases", type=Path, action="append", help="questions for the --content in that position")
    parser.add_argument("--styles", nargs="*", default=None)
    args = parser.parse_args()
    styles = [s for s in STYLES if not args.styles or s.name in args.styles]
    runs: list[tuple[Path, Path | None]] = list(DEFAULTS)
    if args.content:
        cases = args.cases or []
        paired = {folder.resolve(): questions for folder, questions in DEFAULTS}
        runs = [(c, cases[k] if k < len(cases) else paired.get(c.resolve())) for k, c in enumerate(args.content)]
    for k, (content, cases_file) in enumerate(runs):
        if k:
            print()
        run(content, cases_file, styles)


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path


def run(content: Path, cases_file: Path | None, styles: list[Style]) -> None:
    started = time.monotonic()
    made = {b.style: b for b in booklets(content, styles)}

    print(f"Booklets typeset from {_shown(content)} and imported back")
    print("| style | format | printed | found | intact | exact | furniture in answers | numbering reported |")
    print("|---|---|---|---|---|---|---|---|")
    totals = [0, 0, 0]
    imported: dict[str, list[dict[str, Any]]] = {}
    for style in styles:
        booklet = made.get(style.name)
        if booklet is None:
            print(f"| {style.name} | {style.fmt} | skipped: no DejaVu font to typeset a PDF | | | | | |")
            continue
        entries, summary = import_entries(booklet)
        imported[style.name] = entries
        trip = round_trip(booklet, lambda *_, e=entries, s=summary: (e, s))  # type: ignore[misc]
        mistakes = len(booklet.numbering)
        reported = mistakes - len(trip.unreported)
        print(
            f"| {style.name} | {style.fmt} | {trip.expected} | {trip.found} | {trip.intact} "
            f"({100 * trip.intact / trip.expected:.1f}%) | {trip.exact} | {len(trip.dirty)} | {reported}/{mistakes} |"
        )
        totals = [totals[0] + trip.expected, totals[1] + trip.intact, totals[2] + trip.exact]
    if totals[0]:
        print(f"| all | | {totals[0]} | | {totals[1]} ({100 * totals[1] / totals[0]:.1f}%) | {totals[2]} | | |")

    if cases_file is None or not cases_file.exists():
        print(f"\n({time.monotonic() - started:.0f} s)")
        return
    cases = load_cases(cases_file)
    hand = load_content(content).entries
    print(f"\nAsked through the bot: {_shown(cases_file)}")
    print("| content | answered right (in scope) | answered wrong | against the booklet |")
    print("|---|---|---|---|")

    def line(name: str, result: tuple[int, int, int], reference: float | None = None) -> float:
        right, total, wrong = result
        share = 100 * right / total
        against = f"{share - reference:+.1f}" if reference is not None else ""
        print(f"| {name} | {right}/{total} ({share:.1f}%) | {wrong} | {against} |")
        return share

    line("by hand, as written (variants, aliases, tags)", score(content, cases))
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain"
        for kind, folder in (("qa", "qa"), ("term", "glossary")):
            key = "items" if kind == "qa" else "terms"
            _dump(plain / folder, "tai-lieu", key, [booklet_fields(e) for e in hand if e.kind == kind])
        _copy_extras(content, plain)
        printed = line("by hand, what a booklet prints (no variants, aliases, tags)", score(plain, cases))
        for qa_style, glossary_style in zip(QA_STYLES, GLOSSARY_STYLES, strict=True):
            if qa_style.name not in imported or glossary_style.name not in imported:
                continue
            folder = Path(tmp) / f"{qa_style.name}+{glossary_style.name}"
            qa = with_hand_ids(imported[qa_style.name], [e for e in hand if e.kind == "qa"], "qa")
            terms = with_hand_ids(imported[glossary_style.name], [e for e in hand if e.kind == "term"], "glossary")
            _dump(folder / "qa", "nhap", "items", qa)
            _dump(folder / "glossary", "nhap", "terms", terms)
            _copy_extras(content, folder)
            line(f"imported: {qa_style.name} + {glossary_style.name}", score(folder, cases), printed)
    print(f"\n({time.monotonic() - started:.0f} s)")


def _copy_extras(content: Path, to: Path) -> None:
    extra = content / "abbreviations.yaml"
    if extra.is_file():
        shutil.copy(extra, to / "abbreviations.yaml")


if __name__ == "__main__":
    main()
