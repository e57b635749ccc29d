"""Questions about the asker's own schedule and duties, recognised as typed in chat.

"khi nào họp chi bộ", "hội nghị ngày mai mấy giờ, ở đâu", "tôi đã nộp bài thu hoạch chưa", "ai chưa làm bài
kiểm tra" are answered from the member's own records, live, not from the study materials. A question is taken
as one only when every word of it is accounted for: a topic (the cell's meeting, a conference, the essay, the
quiz, studying the resolution), what is asked about it (when, where, done or not, who has not) and the glue
of chat ("cho em hỏi", "ạ", "vậy"). Any other word ("toàn quốc", "Trung ương 2", "phường Bồ Đề", "bí thư",
"cho ai") leaves the question to the study materials: a plan's question is never taken for a personal one.

Typed without diacritics, with Telex leftovers ("nghij"), a letter missing, doubled or swapped ("hoahc"),
two words run together ("thuhoach") or common abbreviations ("hn", "cb", "ktra") — all read.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz.distance import OSA

from bot.text.normalize import fold, repair_telex

Topic = Literal["meeting", "study", "conference", "essay", "quiz", "who_no_essay", "who_no_quiz", "confirmed"]
Day = Literal["today", "tomorrow"]
MAX_WORDS = 24


@dataclass(frozen=True)
class PersonalAsk:
    topic: Topic
    # Explicitly about the asker or their cell ("của tôi", "tôi đã ... chưa", "chi bộ mình", "ngày mai"): answered
    # from their records even when these hold nothing. Otherwise ("hạn nộp bài thu hoạch là ngày nào") their
    # records answer only when they hold a matching event; if not, the study materials do.
    personal: bool
    day: Day | None = None  # "hội nghị ngày mai": only that day's

    @property
    def for_secretary(self) -> bool:
        return self.topic in ("who_no_essay", "who_no_quiz", "confirmed")


# Phrases (folded words) and what they say; the longest match wins.
_SLOTS: dict[str, tuple[str, ...]] = {
    "essay": ("bai thu hoach", "thu hoach", "bai thu hoach ca nhan"),
    "quiz": (
        "bai kiem tra", "kiem tra", "bai tu kiem tra", "tu kiem tra", "trac nghiem", "bai trac nghiem",
        "bai kiem tra trac nghiem",
    ),
    "meeting": (
        "hop chi bo", "sinh hoat chi bo", "chi bo hop", "chi bo sinh hoat", "hop", "sinh hoat", "buoi hop",
        "cuoc hop", "hop dinh ky", "sinh hoat dinh ky", "buoi sinh hoat", "ky hop",
    ),
    "cell": ("chi bo", "chi bo minh", "chi bo toi", "chi bo ta", "chi bo em", "chi bo cua toi", "chi bo cua minh"),
    "study": (
        "hoc nghi quyet", "hoc tap nghi quyet", "quan triet nghi quyet", "hoc", "hoc tap", "buoi hoc",
        "hoc tap quan triet", "hoc tap quan triet nghi quyet",
    ),
    "qualifier": ("nghi quyet", "dai hoi", "dai hoi xiv", "dai hoi 14", "nghi quyet dai hoi", "xiv", "14"),
    "conference": ("hoi nghi",),
    "submit": ("nop", "nop bai", "gui", "gui bai"),
    "do": ("lam", "lam bai"),
    "deadline": ("han", "han nop", "han chot", "han cuoi", "thoi han", "cham nhat", "het han", "han lam"),
    "when": (
        "khi nao", "bao gio", "luc nao", "ngay nao", "hom nao", "may gio", "gio nao", "thu may", "ngay may",
        "truoc ngay nao", "vao luc nao", "thoi gian", "may ngay", "con may ngay", "bao lau", "may h", "luc may gio",
    ),
    "where": ("o dau", "cho nao", "dia diem", "tai dau", "noi nao", "o cho nao", "diem cau nao"),
    "schedule": ("lich",),
    "today": ("hom nay", "toi nay", "sang nay", "chieu nay", "trong ngay"),
    "tomorrow": ("ngay mai", "mai", "sang mai", "chieu mai", "toi mai"),
    "soon": (
        "tuan nay", "tuan sau", "tuan toi", "thang nay", "thang sau", "thang toi", "sap toi", "tiep theo",
        "lan toi", "ke tiep", "sap", "toi day", "gan nhat", "sap den",
    ),
    "self": ("toi", "em", "minh", "cua toi", "cua em", "cua minh", "tui", "ca nhan toi"),
    "not_yet": ("chua",),
    "done": ("da", "roi", "xong"),
    "who": ("ai", "nhung ai", "dong chi nao", "nhung dong chi nao", "nguoi nao", "nhung nguoi nao"),
    "count": ("bao nhieu", "may", "so nguoi", "so luong", "tong so"),
    "people": ("nguoi", "dong chi", "dang vien", "thanh vien", "nguoi trong chi bo"),
    "confirm": ("xac nhan", "dang ky", "tham du", "du", "di", "bao du", "tra loi", "se du", "bao tham du"),
    "score": ("diem", "ket qua", "dat", "may diem", "bao nhieu diem", "lan lam", "luot"),
}  # fmt: skip
# The glue of chat: politeness, particles, question words that add nothing here.
_GLUE = frozenset(
    """a ah nhe nha nhi vay the la co khong hong duoc cua vao luc o oi bot ban xin giup voi xem biet muon can phai
    se nua con ngay gio nay thi va hay nao gi ve moi cac dang chi anh chu bac cho hoi tai nhu""".split()
)
_GLUE_PHRASES = ("cho em hoi", "cho toi hoi", "cho minh hoi", "cho hoi", "vui long", "lam on", "dien ra", "to chuc",
                 "bat dau", "xin hoi", "cho biet", "cho em biet", "cho toi biet")  # fmt: skip
_ABBREVIATIONS = {
    "hn": "hoi nghi", "cb": "chi bo", "nq": "nghi quyet", "dv": "dang vien", "dc": "dong chi", "ktra": "kiem tra",
    "kt": "kiem tra", "th": "thu hoach", "bth": "bai thu hoach", "tn": "trac nghiem", "sh": "sinh hoat",
    "dh": "dai hoi", "ko": "khong", "k": "khong", "hk": "khong", "j": "gi", "bn": "bao nhieu", "bnh": "bao nhieu",
    "h": "gio", "mk": "minh", "t": "toi", "e": "em", "dk": "dang ky", "xn": "xac nhan", "lm": "lam",
}  # fmt: skip


@lru_cache(maxsize=1)
def _phrases() -> dict[tuple[str, ...], str]:
    table = {tuple(p.split()): slot for slot, phrases in _SLOTS.items() for p in phrases}
    for p in _GLUE_PHRASES:
        table.setdefault(tuple(p.split()), "glue")
    return table


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    return frozenset(w for phrase in _phrases() for w in phrase) | _GLUE


@lru_cache(maxsize=1)
def _pairs() -> frozenset[tuple[str, str]]:
    return frozenset((a, b) for phrase in _phrases() for a, b in itertools.pairwise(phrase))


def words(text: str) -> list[str]:
    """The question's words, folded and repaired towards the words this module reads."""
    vocab = _vocabulary()
    out: list[str] = []
    for raw in re.findall(r"[a-z0-9]+", fold(text)):
        if raw in _ABBREVIATIONS:
            out.extend(_ABBREVIATIONS[raw].split())
            continue
        if raw in vocab or raw.isdigit():
            out.append(raw)
            continue
        telex = repair_telex(raw)
        if telex in vocab:
            out.append(telex)
            continue
        split = _split(raw)
        if split is not None:
            out.extend(split)
            continue
        out.append(_nearest(raw) or raw)
    return out


def _split(word: str) -> tuple[str, str] | None:
    """Two words typed together ("thuhoach", "chibo")."""
    for cut in range(1, len(word)):
        pair = (word[:cut], word[cut:])
        if pair in _pairs():
            return pair
    return None


def _nearest(word: str) -> str | None:
    """A word of four letters or more with one letter missing, doubled, wrong or two swapped."""
    if len(word) < 4 or not word.isalpha():
        return None
    close = sorted(
        w for w in _vocabulary() if len(w) >= 4 and abs(len(w) - len(word)) <= 1 and OSA.distance(w, word) <= 1
    )
    return close[0] if len(close) == 1 else None


def _slots(ws: list[str]) -> set[str] | None:
    """The slots the words fill, longest phrase first; None when a word is neither a slot nor glue."""
    table = _phrases()
    longest = max(len(p) for p in table)
    slots: set[str] = set()
    i = 0
    while i < len(ws):
        for n in range(min(longest, len(ws) - i), 0, -1):
            slot = table.get(tuple(ws[i : i + n]))
            if slot is not None:
                if slot != "glue":
                    slots.add(slot)
                i += n
                break
        else:
            if ws[i] not in _GLUE:
                return None
            i += 1
    return slots


def recognise(text: str) -> PersonalAsk | None:
    """The personal question ``text`` asks, or None when it is a question for the study materials."""
    ws = words(text)
    if not ws or len(ws) > MAX_WORDS:
        return None
    found = _slots(ws)
    if found is None:
        return None
    s = found
    topics = s & {"essay", "quiz", "meeting", "conference", "study"}
    asks_when = bool(s & {"when", "where", "deadline", "schedule", "today", "tomorrow", "soon"})
    mine = bool(s & {"self", "cell"})
    day: Day | None = "tomorrow" if "tomorrow" in s else "today" if "today" in s else None
    if "who" in s or "count" in s:
        if "who" in s and "not_yet" in s and topics == {"essay"} and not s & {"count", "confirm"}:
            return PersonalAsk("who_no_essay", True)
        if "who" in s and "not_yet" in s and topics == {"quiz"} and not s & {"count", "confirm"}:
            return PersonalAsk("who_no_quiz", True)
        if "confirm" in s and topics & {"conference", "meeting"} and not topics & {"essay", "quiz"}:
            return PersonalAsk("confirmed", True, day)
        return None
    if "people" in s:  # "đảng viên nộp bài thu hoạch cho ai": about others, in the plan
        return None
    if topics == {"essay"} and "where" not in s and not s & {"confirm", "do", "score"}:
        if mine or "not_yet" in s:
            return PersonalAsk("essay", True)
        if s & {"deadline", "when"}:
            return PersonalAsk("essay", False)
        return None
    if topics == {"quiz"} and not s & {"submit", "confirm", "where"}:
        if mine or s & {"not_yet", "done", "score", "deadline", "when", "schedule"}:
            return PersonalAsk("quiz", True)
        return None
    if "essay" in topics or "quiz" in topics or "submit" in s or "not_yet" in s:
        return None
    if "conference" in topics and asks_when:
        return PersonalAsk("conference", bool(mine or day or "soon" in s), day)
    if "meeting" in topics and (asks_when or mine):
        return PersonalAsk("meeting", True, day)
    if topics == {"study"} and (asks_when or mine):
        return PersonalAsk("study", bool(mine or day or s & {"schedule", "soon"}), day)
    return None
