"""The dated actions a plan asks for: conferences to attend and deadlines to meet.

``extract_actions(text)`` → ``[Action(date, time, kind, title, text), ...]`` in document order. It reads the
forms real plans use — "08h00, thứ Hai, ngày 13/4/2026", "trước 11h00, ngày 20/3/2026", "trước ngày
15/4/2026", "chậm nhất ngày ...", "ngày 13 tháng 4 năm 2026", "từ ngày ... đến ngày ...", "hoàn thành trong
tháng 3/2026", "quý I/2026" — and leaves out dates that are not actions: the date of a cited document
("Kế hoạch số 48-KH/TU, ngày 13/02/2026", "Nghị quyết số 71-NQ/TW ngày 22/8/2025"), the plan's own place-and-
date line, and anniversaries ("03/02/1930 - 03/02/2026").
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time
from typing import Literal

from bot.text.normalize import fold

Kind = Literal["conference", "deadline"]


@dataclass(frozen=True)
class Action:
    date: date
    time: time | None
    kind: Kind
    title: str
    text: str  # the sentence it came from

    def as_json(self) -> dict[str, str | None]:
        return {
            "date": self.date.isoformat(),
            "time": self.time.strftime("%H:%M") if self.time else None,
            "kind": self.kind,
            "title": self.title,
            "text": self.text,
        }


# -- reading the document into sentences ------------------------------------------------------------------

_BULLET_RE = re.compile(r"^\s*(?:[-+•*–]\s|\d{1,2}(?:\.\d{1,2})*[.)]\s|[a-zđ][.)]\s|[IVXL]{1,5}[.)]\s|#)", re.I)
_HYPHEN_END = re.compile(r"\w-$")
_MARKUP_RE = re.compile(r"\\([*_\-#.()\[\]])|[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}|^#+\s*", re.M)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\t", " ")
    text = _MARKUP_RE.sub(lambda m: m.group(1) or "", text)
    return text


def paragraphs(text: str) -> list[str]:
    """Lines joined back into paragraphs: a line broken in the middle of a sentence continues on the next one,
    and a word hyphenated at the end of a line (even across a page break) is rejoined."""
    out: list[str] = []
    current = ""
    for raw in _clean(text).splitlines():
        line = " ".join(raw.split())
        if not line:
            if current and not _HYPHEN_END.search(current):
                out.append(current)
                current = ""
            continue
        if _SIGNING_RE.match(fold(line)):  # "Sơn La, ngày 15 tháng 01 năm 2026" stands alone
            if current:
                out.append(current)
            out.append(line)
            current = ""
        elif not current:
            current = line
        elif _HYPHEN_END.search(current):
            current += line
        elif current[-1] in ".:;!?" or _BULLET_RE.match(line) or len(current) > 3000:
            out.append(current)
            current = line
        else:
            current = f"{current} {line}"
    if current:
        out.append(current)
    return out


def sentences(paragraph: str) -> list[str]:
    parts = re.split(r"(?<=[.;!?])\s+(?=[A-ZĐÀ-Ỹ\-+(“\"])", paragraph)
    return [p.strip() for p in parts if p.strip()]


# -- dates --------------------------------------------------------------------------------------------------

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

# On folded text (no diacritics, lower case); the offsets are the same as in the original (NFC folding
# keeps one character per character for Vietnamese).
_FULL_DATE = r"(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4})"
_WORD_DATE = r"(?P<d2>\d{1,2})\s+thang\s+(?P<m2>\d{1,2})\s*(?:nam|,|/)\s*(?P<y2>\d{4})"
_DATE_RE = re.compile(rf"(?<![\d/.-])(?:{_FULL_DATE}|{_WORD_DATE})(?![\d/])")
_SHORT_DATE_RE = re.compile(r"(?<![\d/.-])(?P<d>\d{1,2})/(?P<m>\d{1,2})(?![\d/])")  # "từ ngày 10/3 đến ngày 20/3/2026"
_MONTH_RE = re.compile(
    r"\b(?:trong\s+)?thang\s+(?P<m>\d{1,2})\s*[/-]\s*(?P<y>\d{4})(?![\d/])|\bthang\s+(?P<m2>\d{1,2})\s+nam\s+(?P<y2>\d{4})"
    r"|\b(?:trong|truoc|het|cuoi)\s+thang\s+(?P<m3>\d{1,2})(?![\d/]|\s*nam)"
)
_QUARTER_RE = re.compile(
    r"\b(?P<part>dau\s+|cuoi\s+|giua\s+)?quy\s+(?P<q>iv|iii|ii|i|[1-4])\s*(?:[/-]|\s+nam)\s*(?P<y>\d{4})"
)
_DAY_PAIR_RE = re.compile(r"\bngay\s+(?P<first>\d{1,2})\s*(?:-|–|va|,)\s*(?P<second>\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4})")
_HALF_YEAR_RE = re.compile(r"\b6\s+thang\s+(?P<part>dau|cuoi)\s+nam\s+(?P<y>\d{4})")
_TIME_RE = re.compile(
    r"(?<![\d/])(?P<h>\d{1,2})\s*(?:h|g|gio)\s*(?P<min>\d{2})?(?:\s*(?:phut|p|'))?(?![\d/a-z])"
    r"|(?<![\d/])(?P<h2>\d{1,2}):(?P<min2>\d{2})(?![\d/])"
)

# A date that identifies a document: "Kế hoạch số 48-KH/TU, ngày 13/02/2026", "Nghị quyết số 71-NQ/TW ngày ...",
# "Hướng dẫn 15-HD/BTGDVTW, ngày 7/4/2026", "Công văn số 167-CV/BTGDVTU ngày ...".
_DOC_WORDS = (
    r"ke hoach|chi thi|huong dan|nghi quyet|thong bao|cong van|quyet dinh|chuong trinh(?: hanh dong)?|ket luan|"
    r"quy dinh|bao cao|to trinh|thong tri|dieu le|luat|nghi dinh|thong tu|van ban|cv|kh|hd|nq|qd|tb|ct"
)
_CITATION_RE = re.compile(
    rf"(?:\b(?:{_DOC_WORDS})\b\s*(?:so\s*)?[\w./-]*\d[\w./-]*|\bso\s*\d+[\w./-]*[/-][\w./-]+"
    r"|\b\d+\s*-\s*[a-z]+/[\w/-]+)\s*,?\s*(?:ban hanh\s*)?"
    r"(?:ngay|ngay\s+ky)?\s*$"
)
# "ngày 13/02/2026 của Ban Thường vụ Tỉnh ủy": the date a body issued something.
_ISSUED_BY_RE = re.compile(
    r"^\s*,?\s*cua\s+(?:ban|bo|tinh|thanh|dang|van phong|uy|ubnd|hdnd|chinh phu|thu tuong|quoc hoi|bch|trung uong|"
    r"thuong truc|thuong vu|chu tich|huyen|xa|phuong|cac)\b"
)
_SIGNING_RE = re.compile(r"^[\w\s.,]{2,40},\s*ngay\s*(?:\d{1,2}|\.+|…)?\s*thang\s*(?:\d{1,2}|\.+|…)?\s*nam\s*\d{4}\.?$")
_ANNIVERSARY_RE = re.compile(r"\(?\d{1,2}/\d{1,2}/(?P<y1>\d{4})\s*[-–]\s*\d{1,2}/\d{1,2}/(?P<y2>\d{4})\)?")

_DEADLINE_BEFORE = re.compile(
    r"(?:truoc|cham nhat|han chot|han cuoi|thoi han|han|hoan thanh|xong|ket thuc|den het|den|dong|nop|gui)"
    r"\s*:?\s*(?:vao\s*)?(?:luc\s*)?"
    r"(?:\d{1,2}\s*(?:h|gio)\s*\d{0,2}\s*(?:phut)?\s*,?\s*)?(?:(?:thu\s+\w+|chu nhat)\s*,?\s*)?"
    r"(?:ngay|trong|truoc)?\s*$"
)
_CONFERENCE_WORDS = re.compile(
    r"\b(hoi nghi|hop|sinh hoat|hoc tap|quan triet|tap huan|boi duong|to chuc|khai mac|le|dai hoi|hoi thao|"
    r"toa dam|thoi gian|dien ra|truc tuyen|diem cau|gap mat|tiep xuc|mit tinh|hoi thi|cuoc thi|phat dong|hoc bu)\b"
)
_DEADLINE_WORDS = re.compile(r"\b(bao cao|gui|nop|hoan thanh|xong|tong hop|cham nhat|truoc ngay|han)\b")


@dataclass
class _Found:
    start: int
    end: int
    day: date
    clock: time | None
    deadline_hint: bool  # "trước", "chậm nhất", a month or a quarter
    range_end: bool = False


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


_BETWEEN_TIME_AND_DATE = re.compile(
    r"[\s,'()]*(?:(?:sang|chieu|toi|trua)\s*)?[\s,]*(?:(?:thu\s+\w+|chu nhat)\s*,?\s*)?(?:ngay)?\s*"
)


def _time_near(folded: str, start: int, end: int) -> time | None:
    """A time written just before the date ("08h00, thứ Hai, ngày 13/4/2026") or just after ("13/4/2026, 8h30")."""
    before = folded[max(0, start - 40) : start]
    after = folded[end : end + 40]
    candidates = list(_TIME_RE.finditer(before))
    if candidates and _BETWEEN_TIME_AND_DATE.fullmatch(before[candidates[-1].end() :]):
        # "từ 7h30 đến 11h30 ngày 13/4/2026": the action starts at the first of the two.
        if len(candidates) > 1 and re.fullmatch(
            r"\s*(?:den|-|–)\s*", before[candidates[-2].end() : candidates[-1].start()]
        ):
            return _clock(candidates[-2])
        return _clock(candidates[-1])
    # "ngày 09/5/2026, bắt đầu lúc 7h30", "ngày 12/5/2026, khai mạc lúc 8 giờ 00", "13/4/2026 (thứ Hai), lúc 14h00"
    lead = re.match(
        r"[\s,]*(?:\(\s*(?:thu\s+\w+|chu nhat)\s*\))?[\s,]*"
        r"(?:(?:bat dau|khai mac|tu)\s*(?:tu|luc|vao luc|vao)?|luc|vao luc|vao)?\s*",
        after,
    )
    following = _TIME_RE.match(after[lead.end() if lead else 0 :])
    return _clock(following) if following else None


def _clock(m: re.Match[str]) -> time | None:
    h = int(m["h"] if m["h"] is not None else m["h2"])
    mi = int(m["min"] or m["min2"] or 0)
    return time(h, mi) if h < 24 and mi < 60 else None


def _dates(sentence: str, year_hint: int | None) -> list[_Found]:
    folded = fold(sentence)
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []
    anniversaries = [(m.start(), m.end()) for m in _ANNIVERSARY_RE.finditer(folded) if m["y1"] != m["y2"]]
    for m in _DATE_RE.finditer(folded):
        d, mo, y = (m["d"], m["m"], m["y"]) if m["d"] is not None else (m["d2"], m["m2"], m["y2"])
        day = _valid(int(y), int(mo), int(d))
        taken.append((m.start(), m.end()))
        if day is None or any(a <= m.start() < b for a, b in anniversaries):
            continue
        if _CITATION_RE.search(folded[max(0, m.start() - 60) : m.start()]):
            continue
        hint = bool(_DEADLINE_BEFORE.search(folded[max(0, m.start() - 40) : m.start()]))
        if not hint and _ISSUED_BY_RE.match(folded[m.end() : m.end() + 40]):
            continue
        if year_hint is not None and day.year < year_hint - 1:  # "(03/02/1930 - ...)": history, not a plan
            continue
        hint = bool(_DEADLINE_BEFORE.search(folded[max(0, m.start() - 40) : m.start()]))
        found.append(_Found(m.start(), m.end(), day, _time_near(folded, m.start(), m.end()), hint))
    # "ngày 25 - 26/3/2026", "ngày 25 và 26/3/2026": a meeting over two days starts on the first.
    for m in _DAY_PAIR_RE.finditer(folded):
        second = next((f for f in found if f.start == m.start("second")), None)
        if second is None:
            continue
        first = _valid(second.day.year, second.day.month, int(m["first"]))
        if first is not None and first < second.day:
            found.append(_Found(m.start("first"), m.end("first"), first, second.clock, second.deadline_hint))
    # "từ ngày 10/3 đến ngày 20/3/2026": a day and month whose year comes with the range's end; "trước ngày
    # 15/4": a day and month in the plan's year.
    for m in _SHORT_DATE_RE.finditer(folded):
        if any(a <= m.start() < b for a, b in taken):
            continue
        before = folded[max(0, m.start() - 30) : m.start()]
        later = [f for f in found if f.start > m.end() and f.start - m.end() < 40]
        if later and re.search(r"\btu\s*(?:ngay)?\s*$", before):
            year = later[0].day.year
        elif (
            year_hint is not None
            and re.search(r"\bngay\s*$", before)
            and not _CITATION_RE.search(folded[max(0, m.start() - 60) : m.start()])
        ):
            year = year_hint
        else:
            continue
        day = _valid(year, int(m["m"]), int(m["d"]))
        if day is not None:
            found.append(_Found(m.start(), m.end(), day, _time_near(folded, m.start(), m.end()), False))
    for m in _MONTH_RE.finditer(folded):
        if m["m3"] is not None:
            if year_hint is None:
                continue
            mo, y = m["m3"], str(year_hint)
        else:
            mo, y = (m["m"], m["y"]) if m["m"] is not None else (m["m2"], m["y2"])
        if any(a <= m.start() < b or a < m.end() <= b for a, b in taken) or not 1 <= int(mo) <= 12:
            continue
        if _CITATION_RE.search(folded[max(0, m.start() - 60) : m.start()]) or re.search(
            r"ngay\s*(?:\.+|…)?\s*$", folded[: m.start()]
        ):
            continue
        last = calendar.monthrange(int(y), int(mo))[1]
        hint = _period_is_deadline(folded[max(0, m.start() - 150) : m.start()])
        found.append(_Found(m.start(), m.end(), date(int(y), int(mo), last), None, hint))
    for m in _QUARTER_RE.finditer(folded):
        q, y = _ROMAN[m["q"]], int(m["y"])
        # "đầu quý II" is its first month; "giữa quý" its second; otherwise the quarter's end.
        month = q * 3 - (2 if (m["part"] or "").startswith("dau") else 1 if (m["part"] or "").startswith("giua") else 0)
        hint = _period_is_deadline(folded[max(0, m.start() - 150) : m.start()])
        found.append(_Found(m.start(), m.end(), date(y, month, calendar.monthrange(y, month)[1]), None, hint))
    for m in _HALF_YEAR_RE.finditer(folded):
        y = int(m["y"])
        day = date(y, 6, 30) if m["part"] == "dau" else date(y, 12, 31)
        hint = _period_is_deadline(folded[max(0, m.start() - 150) : m.start()])
        found.append(_Found(m.start(), m.end(), day, None, hint))
    found.sort(key=lambda f: f.start)
    return found


def _period_is_deadline(before: str) -> bool:
    """A month or a quarter is a deadline when the plan asks for something to be done or sent within it."""
    return bool(re.search(r"(hoan thanh|xong|truoc|cham nhat|bao cao|gui|nop|xay dung)[^.;]*$", before))


def _kind(sentence: str, found: _Found) -> Kind:
    folded = fold(sentence)
    if found.deadline_hint:
        return "deadline"
    if found.clock is not None and _CONFERENCE_WORDS.search(folded):
        return "conference"
    conference = _CONFERENCE_WORDS.search(folded)
    deadline = _DEADLINE_WORDS.search(folded)
    if conference and (not deadline or conference.start() < deadline.start()):
        return "conference"
    return "deadline" if deadline else "conference"


_NUMBERING = re.compile(r"^\s*(?:[-+•*–]|\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ][.)]|[IVXL]{1,5}[.)])\s*", re.I)
_GENERIC = re.compile(r"^(thời gian|địa điểm|thành phần|hình thức|nội dung|phương thức|chế độ)\b", re.I)


def _is_heading(paragraph: str) -> bool:
    if len(paragraph) >= 160 or paragraph[:1] in "-+•*–" or _DATE_RE.search(fold(paragraph)):
        return False
    body = _NUMBERING.sub("", paragraph)
    if not body or not body[0].isupper():
        return False
    return bool(_NUMBERING.match(paragraph)) or body.isupper() or not paragraph.endswith((".", ";", ","))


def _tidy(heading: str) -> str:
    body = _NUMBERING.sub("", heading).strip(" .:;")
    return body[0] + body[1:].lower() if body.isupper() else body


def _title(sentence: str, headings: list[str]) -> str:
    text = _NUMBERING.sub("", sentence)
    if _GENERIC.match(text) or len(text) < 25:
        specific = [h for h in headings if not _GENERIC.match(_NUMBERING.sub("", h))]
        if specific:
            text = _tidy(specific[-1])
    text = text.strip(" .:;")
    if len(text) > 120:
        cut = text.rfind(" ", 0, 117)
        text = text[: cut if cut > 60 else 117] + "…"
    return text


def plan_year(text: str) -> int | None:
    """The year most dates in the plan are in: the year of dates written without one."""
    years = [int(m["y"] or m["y2"]) for m in _DATE_RE.finditer(fold(text)) if 2000 <= int(m["y"] or m["y2"]) <= 2100]
    return max(set(years), key=years.count) if years else None


def extract_actions(text: str) -> list[Action]:
    year = plan_year(text)
    actions: list[Action] = []
    seen: set[tuple[date, time | None, str, str, str]] = set()
    headings: list[str] = []
    for paragraph in paragraphs(text):
        folded_para = fold(paragraph)
        if _SIGNING_RE.match(folded_para):
            continue
        if _is_heading(paragraph):
            headings = [*headings[-5:], paragraph]
        for sentence in sentences(paragraph):
            for found in _dates(sentence, year):
                kind = _kind(sentence, found)
                title = _title(sentence, headings)
                key = (found.day, found.clock, kind, title, sentence)
                if key in seen:
                    continue
                seen.add(key)
                actions.append(Action(found.day, found.clock, kind, title, sentence))
    return actions
