"""The study materials: schema, loading and validation of ``content/qa`` and ``content/glossary``.

Loading never stops at the first problem: every file is read and every problem is reported with its file,
entry id and line, so an author fixes them all in one pass.

A file is for the whole installation (central booklets), or, with ``scope: <organisation code>`` and
``organisation: <its name>`` at its top, for one organisation: that unit and every unit under it (a đảng
bộ's plan). Units carry the code (``chibo unit add ... --code``).
"""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

Kind = Literal["qa", "term"]
ID_RE = re.compile(r"^[a-z0-9-]+$")
# An organisation's code: lower-case letters without diacritics, digits and "-", 2 to 40 characters.
SCOPE_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
SCOPE_KEYS = ("scope", "organisation")


def valid_scope(code: str) -> bool:
    return len(code) >= 2 and SCOPE_RE.match(code) is not None


@dataclass(frozen=True, slots=True)
class Entry:
    """One answerable unit: a Q&A item or a glossary term."""

    id: str
    kind: Kind
    title: str  # the question, or the term
    text: str  # the answer, or the definition
    alternatives: tuple[str, ...]  # variants of the question, or aliases of the term
    source: str
    ref: str | None = None
    tags: tuple[str, ...] = ()
    file: str = ""
    line: int = 0
    scope: str | None = None  # the organisation code the entry is for; None: the whole installation
    organisation: str | None = None  # that organisation's name, e.g. "Đảng ủy phường Việt Hưng"

    @property
    def keys(self) -> tuple[str, ...]:
        """Every phrasing that should find this entry."""
        return (self.title, *self.alternatives)


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    message: str
    entry_id: str | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" [{self.entry_id}]" if self.entry_id else ""
        label = "lỗi" if self.severity == "error" else "lưu ý"
        return f"{where}{who}: {label}: {self.message}"


@dataclass
class Content:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}


@dataclass(frozen=True)
class _Schema:
    folder: str
    kind: Kind
    list_key: str
    title_key: str
    text_key: str
    alt_key: str

    @property
    def allowed(self) -> set[str]:
        return {"id", self.title_key, self.text_key, self.alt_key, "ref", *(("tags",) if self.kind == "qa" else ())}


SCHEMAS = (
    _Schema("qa", "qa", "items", "question", "answer", "variants"),
    _Schema("glossary", "term", "terms", "term", "definition", "aliases"),
)


class _LineLoader(yaml.SafeLoader):
    """Remembers the line where each mapping starts, under the key ``__line__``."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


# The same on libyaml's parser when PyYAML was built with it: ten times quicker on a large booklet. Its error
# messages are worded differently, so a file it rejects is parsed again by the pure-Python loader above and
# the problem reported in that loader's words.
_FastLineLoader: Any = _LineLoader
if getattr(yaml, "__with_libyaml__", False):

    class _CLineLoader(yaml.CSafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            mapping = super().construct_mapping(node, deep=deep)
            mapping["__line__"] = node.start_mark.line + 1
            return mapping

    _FastLineLoader = _CLineLoader


def _yaml_files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(p for p in folder.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def load_content(content_dir: Path) -> Content:
    """Load and validate every Q&A and glossary file under ``content_dir``.

    A missing ``qa/`` or ``glossary/`` folder is simply empty.
    """
    # Loading allocates many small objects and frees few: the cycle collector would walk the growing heap
    # again and again for nothing (a third of the time on 10,000 entries).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_content(content_dir)
    finally:
        if enabled:
            gc.enable()


def _load_content(content_dir: Path) -> Content:
    content = Content()
    seen: dict[str, Problem] = {}
    for schema in SCHEMAS:
        for path in _yaml_files(content_dir / schema.folder):
            rel = _relative(path, content_dir)
            for entry in _load_file(path, rel, schema, content.problems):
                if entry.id in seen:
                    first = seen[entry.id]
                    content.problems.append(
                        Problem(rel, entry.line, f"mã (id) trùng với mục ở {first.file}:{first.line}", entry.id)
                    )
                    continue
                seen[entry.id] = Problem(rel, entry.line, "", entry.id)
                content.entries.append(entry)
    return content


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _load_file(path: Path, rel: str, schema: _Schema, problems: list[Problem]) -> list[Entry]:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(rel, 0, "tệp không ở mã UTF-8"))
        return []
    try:
        data = _parse(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(rel, line, f"YAML không hợp lệ: {reason}"))
        return []
    if data is None:
        return []
    if not isinstance(data, dict):
        problems.append(Problem(rel, 1, f"tệp phải là một bảng có 'source' và '{schema.list_key}'"))
        return []
    file_line = data.pop("__line__", 1)
    for key in sorted(set(data) - {"source", schema.list_key, *SCOPE_KEYS}, key=str):
        problems.append(Problem(rel, file_line, f"khóa không được phép ở đầu tệp: '{key}'"))
    source = _text(data.get("source"), rel, file_line, None, "source", problems)
    before = len(problems)
    scope = _scope(data, rel, file_line, problems)
    if any(p.severity == "error" for p in problems[before:]):
        return []  # a file whose scope cannot be read is for nobody rather than for everybody
    items = data.get(schema.list_key)
    if items is None:
        problems.append(Problem(rel, file_line, f"thiếu danh sách '{schema.list_key}'"))
        return []
    if not isinstance(items, list):
        problems.append(Problem(rel, file_line, f"'{schema.list_key}' phải là một danh sách"))
        return []
    entries = []
    for item in items:
        entry = _load_entry(item, rel, file_line, schema, source, problems)
        if entry is not None:
            entries.append(entry if scope is None else replace(entry, scope=scope[0], organisation=scope[1]))
    return entries


def _scope(data: dict[str, Any], rel: str, line: int, problems: list[Problem]) -> tuple[str, str] | None:
    """(code, organisation name) of a scoped file; None for the whole installation or when malformed (an
    error is then added)."""
    raw, name = data.get("scope"), data.get("organisation")
    if raw is None:
        if name is not None:
            problems.append(Problem(rel, line, "có 'organisation' nhưng thiếu 'scope' (mã tổ chức)"))
        return None
    if not isinstance(raw, str) or not valid_scope(raw.strip()):
        problems.append(
            Problem(
                rel,
                line,
                f"'scope' phải là mã tổ chức gồm chữ thường không dấu, số và '-' (2-40 ký tự), không phải {raw!r}",
            )
        )
        return None
    organisation = _text(name, rel, line, None, "organisation", problems)
    return None if organisation is None else (raw.strip(), organisation)


def _parse(raw: str) -> Any:
    try:
        return yaml.load(raw, Loader=_FastLineLoader)
    except yaml.YAMLError:
        if _FastLineLoader is _LineLoader:
            raise
    return yaml.load(raw, Loader=_LineLoader)  # raises the error in the words authors have always seen


def _load_entry(
    item: Any, rel: str, file_line: int, schema: _Schema, source: str | None, problems: list[Problem]
) -> Entry | None:
    if not isinstance(item, dict):
        problems.append(Problem(rel, file_line, f"mỗi mục trong '{schema.list_key}' phải là một bảng"))
        return None
    line = item.pop("__line__", file_line)
    raw_id = item.get("id")
    entry_id = raw_id if isinstance(raw_id, str) else None
    before = len(problems)
    for key in sorted(set(item) - schema.allowed, key=str):
        problems.append(Problem(rel, line, f"khóa không được phép: '{key}'", entry_id))
    if entry_id is None or not entry_id.strip():
        problems.append(Problem(rel, line, "thiếu mã 'id'", entry_id))
    elif not ID_RE.match(entry_id):
        problems.append(Problem(rel, line, f"mã '{entry_id}' chỉ được gồm chữ thường không dấu, số và '-'", entry_id))
    title = _text(item.get(schema.title_key), rel, line, entry_id, schema.title_key, problems)
    text = _text(item.get(schema.text_key), rel, line, entry_id, schema.text_key, problems)
    alternatives = _text_list(item.get(schema.alt_key), rel, line, entry_id, schema.alt_key, problems)
    tags = _text_list(item.get("tags"), rel, line, entry_id, "tags", problems)
    ref = None
    if item.get("ref") is not None:
        ref = _text(item.get("ref"), rel, line, entry_id, "ref", problems)
    errors = [p for p in problems[before:] if p.severity == "error"]
    if errors or source is None or entry_id is None or title is None or text is None:
        return None
    return Entry(
        id=entry_id,
        kind=schema.kind,
        title=title,
        text=text.strip(),
        alternatives=tuple(alternatives),
        source=source,
        ref=ref,
        tags=tuple(tags),
        file=rel,
        line=line,
    )


def _text(value: Any, rel: str, line: int, entry_id: str | None, name: str, problems: list[Problem]) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(Problem(rel, line, f"thiếu hoặc để trống trường '{name}'", entry_id))
        return None
    if not isinstance(value, str | int | float):
        problems.append(Problem(rel, line, f"trường '{name}' phải là văn bản", entry_id))
        return None
    text = str(value)
    normal = unicodedata.normalize("NFC", text)
    if normal != text:
        problems.append(
            Problem(rel, line, f"trường '{name}' không ở dạng Unicode NFC; đã tự chuẩn hóa", entry_id, "warning")
        )
    return normal.strip()


def _text_list(value: Any, rel: str, line: int, entry_id: str | None, name: str, problems: list[Problem]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(rel, line, f"trường '{name}' phải là một danh sách", entry_id))
        return []
    out = []
    for element in value:
        text = _text(element, rel, line, entry_id, f"{name}[]", problems)
        if text is not None:
            out.append(text)
    return out


def without_phrasings(src: Path, dst: Path) -> Path:
    """A copy of a content folder as a printed booklet gives it: one phrasing per question, no aliases.

    For measuring the engine on content shaped like an imported booklet; ``dst`` is returned.
    """
    for f in sorted(src.glob("*/*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        for key in ("items", "terms"):
            for item in data.get(key) or []:
                item.pop("variants", None)
                item.pop("aliases", None)
        out = dst / f.parent.name / f.name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst
