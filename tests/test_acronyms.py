"""Acronyms read from the loaded content: "hn" is "hội nghị" where the materials speak of conferences."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.acronyms import looks_like
from bot.knowledge.base import load_knowledge
from bot.knowledge.content import Entry
from bot.knowledge.search import SearchIndex
from bot.text.normalize import Token

CONTENT = Path(__file__).resolve().parent.parent / "content"


def _entry(i: int, question: str, answer: str) -> Entry:
    return Entry(id=f"e{i}", kind="qa", title=question, text=answer, alternatives=(), source="test", file="qa/x.yaml")


def test_the_shape_of_an_acronym() -> None:
    for word in ("hn", "shcb", "ctr", "ktra", "kte", "chqs"):
        assert looks_like(word), word
    for word in ("hoi", "ban", "a", "nghiquyet", "2026", "ubnd1", "ngay"):
        assert not looks_like(word), word


def test_acronyms_are_read_as_the_runs_the_bundled_content_uses() -> None:
    index = load_knowledge(CONTENT).index
    reads = {w: index._acronyms.read(w) for w in ("hn", "xd", "shcb", "ktra", "bch", "nd", "tg", "bt")}
    assert reads["hn"] == ("hoi", "nghi")
    assert reads["xd"] == ("xay", "dung")
    assert reads["shcb"] == ("sinh", "hoat", "chi", "bo")
    assert reads["ktra"] == ("kiem", "tra")
    assert reads["bch"] == ("ban", "chap", "hanh")
    # two readings about as common ("nội dung" / "nhân dân", "thời gian" / "tuyên giáo"): left unknown
    assert reads["nd"] is None and reads["tg"] is None and reads["bt"] is None


def test_the_same_letters_read_by_the_content_loaded() -> None:
    conferences = [
        _entry(i, f"Hội nghị lần {i} họp ở đâu?", f"Hội nghị lần {i} họp tại hội trường xã, mời đảng viên dự.")
        for i in range(1, 6)
    ]
    hanoi = [
        _entry(i, f"Hà Nội có điểm cầu {i} không?", f"Hà Nội mở điểm cầu {i} tại trụ sở Thành ủy Hà Nội.")
        for i in range(1, 6)
    ]
    assert SearchIndex(conferences)._acronyms.read("hn") == ("hoi", "nghi")
    assert SearchIndex(hanoi)._acronyms.read("hn") == ("ha", "noi")
    assert SearchIndex(conferences + hanoi)._acronyms.read("hn") is None  # as common: a guess, not made


def test_a_question_in_acronyms_finds_its_entry_and_the_table_still_comes_first() -> None:
    index = load_knowledge(CONTENT).index
    full = index.search("sinh hoạt chi bộ chuyên đề là gì")
    short = index.search("shcb chuyen de la gi")
    assert full.best is not None and short.best is not None
    assert short.best.entry.id == full.best.entry.id
    # a word of the abbreviation table is read from the table, whatever the content says
    assert not index.analyzer.abbreviates(Token("hn"))
    assert index.analyzer.abbreviates(Token("kh")) and index.analyzer.abbreviates(Token("ntn"))
