"""Official booklets into content: the Q&A booklet ("Hỏi - đáp") and the terminology booklet.

Layouts recognised for Q&A: "Câu 1: ...", "Câu hỏi 1. ...", "Hỏi: ..." / "Đáp: ..." or "Trả lời: ...", a
numbered question ending with "?", a bold question paragraph; the answer is what follows until the next
question. For glossaries: "Thuật ngữ: định nghĩa", "THUẬT NGỮ – định nghĩa", a bold term paragraph followed
by its explanation. Every line is accounted for: what could not be placed is reported with its line number.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.documents import Line
from bot.text.normalize import fold

ImportKind = Literal["qa", "glossary"]

_QUESTION_MARK = re.compile(r"^(?:câu\s*hỏi|câu)\s*(?:số\s*)?(\d{1,4})\s*[:.)\-–]\s*(.*)$", re.I)
_ASK = re.compile(r"^hỏi\s*[:.\-–]\s*(.*)$", re.I)
_ANSWER = re.compile(r"^(?:trả\s*lời|đáp|tl)\s*[:.\-–]\s*(.*)$", re.I)
_NUMBERED_QUESTION = re.compile(r"^(\d{1,4})\s*[.)]\s+(.+\?)$")
_NUMBERING = re.compile(r"^\s*(?:\d{1,4}|[a-zđ]|[IVXL]{1,5})\s*[.)]\s+", re.I)
_TERM_COLON = re.compile(r"^(?P<term>[^:.?!]{2,90}?)\s*:\s*(?P<definition>\S.*)$")
_TERM_DASH = re.compile(r"^(?P<term>[^:.?!]{2,90}?)\s+[–—-]\s+(?P<definition>\S.*)$")  # an upper-case term
_SENTENCE_END = (".", "?", "!", ":", ";", "…", '"', "”", ")")


@dataclass
class _Draft:
    title: list[str]
    body: list[str] = field(default_factory=list)
    line: int = 0
    ref: str | None = None
    in_body: bool = False


@dataclass
class ImportResult:
    kind: ImportKind
    source: str
    entries: list[dict[str, Any]]
    skipped: list[tuple[int, str]]  # (line, text) that could not be placed
    problems: list[str]  # entries dropped, with why

    def yaml(self) -> str:
        key = "items" if self.kind == "qa" else "terms"
        document = {"source": self.source, key: self.entries}
        return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)

    def summary(self) -> list[str]:
        noun = "câu hỏi - đáp" if self.kind == "qa" else "thuật ngữ"
        lines = [f"Đã nhận ra {len(self.entries)} {noun}."]
        for line, text in self.skipped:
            lines.append(f"Dòng {line}: chưa xếp được vào mục nào: “{text[:80]}”")
        lines.extend(self.problems)
        return lines


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _join(parts: list[str]) -> str:
    """Lines back into text: a line that does not end a sentence continues on the next one; a word split with
    a hyphen at the end of a line is rejoined."""
    out = ""
    for part in parts:
        if not out:
            out = part
        elif re.search(r"[a-zà-ỹđ]-$", out) and part[:1].islower():
            out = out[:-1] + part
        elif out.endswith("-"):
            out += part
        elif out.endswith(_SENTENCE_END):
            out += "\n" + part
        else:
            out += " " + part
    return out.strip()


def slug(text: str, words: int = 10) -> str:
    parts = re.findall(r"[a-z0-9]+", fold(text))
    return "-".join(parts[:words])[:80].strip("-") or "muc"


def _ids(titles: list[str], prefix: str) -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for title in titles:
        base = f"{prefix}-{slug(title)}" if prefix else slug(title)
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def import_booklet(
    lines: list[Line],
    kind: ImportKind,
    source: str,
    *,
    prefix: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    drafts, skipped = (_qa if kind == "qa" else _glossary)(lines, progress)
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    kept = []
    for d in drafts:
        title, body = _join(d.title).strip(), _join(d.body)
        if kind == "glossary":
            title = title.strip(" :–-")
            if title.isupper():
                title = title[0] + title[1:].lower()
        if not title or not body:
            what = "câu hỏi" if kind == "qa" else "thuật ngữ"
            missing = "câu trả lời" if kind == "qa" else "định nghĩa"
            problems.append(f"Dòng {d.line}: {what} “{title[:60]}” không có {missing}, bỏ qua.")
            continue
        kept.append((d, title, body))
    for (d, title, body), entry_id in zip(kept, _ids([t for _, t, _ in kept], prefix), strict=True):
        if kind == "qa":
            entry: dict[str, Any] = {"id": entry_id, "question": title, "answer": body}
        else:
            entry = {"id": entry_id, "term": title, "definition": body}
        entry["ref"] = d.ref or f"dòng {d.line}"
        entries.append(entry)
    return ImportResult(kind, source, entries, skipped, problems)


def _looks_like_heading(line: Line) -> bool:
    text = _NUMBERING.sub("", line.text)
    return len(text) < 120 and (text.isupper() or line.bold) and not text.endswith("?")


def _qa(lines: list[Line], progress: Callable[[int], None] | None) -> tuple[list[_Draft], list[tuple[int, str]]]:
    drafts: list[_Draft] = []
    skipped: list[tuple[int, str]] = []
    current: _Draft | None = None
    for i, line in enumerate(lines):
        if progress is not None:
            progress(i)
        text = line.text
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if m := _QUESTION_MARK.match(text):
            current = _Draft([m[2]] if m[2] else [], line=line.number, ref=f"Câu {m[1]}")
            drafts.append(current)
        elif m := _ASK.match(text):
            current = _Draft([m[1]] if m[1] else [], line=line.number)
            drafts.append(current)
        elif m := _NUMBERED_QUESTION.match(text):
            current = _Draft([m[2]], line=line.number, ref=f"Câu {m[1]}", in_body=True)
            drafts.append(current)
        elif (
            line.bold
            and (text.endswith("?") or (nxt is not None and not nxt.bold))
            and not (current is not None and not current.in_body)
            and not (text.isupper() and not text.endswith("?"))
        ):
            current = _Draft([_NUMBERING.sub("", text)], line=line.number, in_body=text.endswith("?"))
            drafts.append(current)
        elif current is None:
            if not _looks_like_heading(line) and i > 2:
                skipped.append((line.number, text))
        elif m := _ANSWER.match(text):
            current.in_body = True
            if m[1]:
                current.body.append(m[1])
        elif not current.in_body:
            current.title.append(text)
            if text.endswith("?") or (current.title and not line.bold and _join(current.title).endswith("?")):
                current.in_body = True
        elif (
            _looks_like_heading(line)
            and nxt is not None
            and (_QUESTION_MARK.match(nxt.text) or _ASK.match(nxt.text) or _NUMBERED_QUESTION.match(nxt.text))
        ):
            continue  # a section heading between two questions
        else:
            current.body.append(text)
    # A question whose text did not end with "?" took its answer as more question: split at the first "?".
    for d in drafts:
        joined = _join(d.title)
        if not d.body and "?" in joined[:-1]:
            head, _, tail = joined.partition("?")
            d.title, d.body = [head + "?"], [tail.strip()] if tail.strip() else []
    return drafts, skipped


def _glossary(lines: list[Line], progress: Callable[[int], None] | None) -> tuple[list[_Draft], list[tuple[int, str]]]:
    drafts: list[_Draft] = []
    skipped: list[tuple[int, str]] = []
    current: _Draft | None = None
    for i, line in enumerate(lines):
        if progress is not None:
            progress(i)
        text = _NUMBERING.sub("", line.text)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        qa_marker = bool(_QUESTION_MARK.match(text) or _ASK.match(text) or _ANSWER.match(text))
        colon = None if qa_marker or text.endswith("?") else _TERM_COLON.match(text)
        dash = None if qa_marker or text.endswith("?") or i == 0 else _TERM_DASH.match(text)
        if line.bold and len(text.split()) <= 14 and not text.endswith((".", "?")) and nxt is not None and not nxt.bold:
            current = _Draft([text], line=line.number)
            drafts.append(current)
            if colon:  # "**Thuật ngữ:** định nghĩa" on one bold line
                current.title, current.body = [colon["term"]], [colon["definition"]]
        elif colon and len(colon["term"].split()) <= 10 and not colon["term"].lower().startswith(("ví dụ", "chú ý")):
            current = _Draft([colon["term"]], [colon["definition"]], line=line.number)
            drafts.append(current)
        elif dash and len(dash["term"].split()) <= 10 and dash["term"] == dash["term"].upper():
            current = _Draft([dash["term"]], [dash["definition"]], line=line.number)
            drafts.append(current)
        elif current is None:
            if not _looks_like_heading(line) and i > 2:
                skipped.append((line.number, line.text))
        elif _looks_like_heading(line) and len(text.split()) > 14:
            skipped.append((line.number, line.text))
        else:
            current.body.append(line.text)
    return drafts, skipped


def check_output(result: ImportResult) -> list[str]:
    """The problems ``chibo content check`` would report for the imported file."""
    from bot.knowledge.content import load_content

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / ("qa" if result.kind == "qa" else "glossary")
        folder.mkdir()
        (folder / "imported.yaml").write_text(result.yaml(), encoding="utf-8")
        return [str(p) for p in load_content(Path(tmp)).problems]
