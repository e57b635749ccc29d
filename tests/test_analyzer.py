from __future__ import annotations

from pathlib import Path

from bot.text.analyzer import Analyzer, load_abbreviations


def folds(analyzer: Analyzer, text: str) -> list[str]:
    return [t.fold for t in analyzer.analyze(text)]


def test_domain_abbreviations_are_expanded() -> None:
    a = Analyzer()
    assert folds(a, "NQ 72") == ["nghi", "quyet", "72"]
    assert folds(a, "BCH TW") == ["ban", "chap", "hanh", "trung", "uong"]
    assert folds(a, "KT-XH") == ["kinh", "te", "xa", "hoi"]
    assert folds(a, "ĐH XIV") == ["dai", "hoi", "14"]


def test_a_word_with_other_diacritics_is_not_taken_for_an_abbreviation() -> None:
    a = Analyzer({"HD": "hướng dẫn"})
    assert folds(a, "hđ") == ["hd"]
    assert folds(a, "HD") == ["huong", "dan"]


def test_question_phrasings_become_intents() -> None:
    a = Analyzer()
    assert folds(a, "bốn kiên định là gì") == ["bon", "kien", "dinh", "@what"]
    assert folds(a, "nop bai khi nao") == ["nop", "bai", "@when"]
    assert folds(a, "hội nghị tổ chức ở đâu") == ["hoi", "nghi", "to", "chuc", "@where"]


def test_content_authors_can_extend_the_abbreviations(tmp_path: Path) -> None:
    (tmp_path / "abbreviations.yaml").write_text("abbreviations:\n  HTX: hợp tác xã\n", encoding="utf-8")
    table = load_abbreviations(tmp_path)
    assert table["HTX"] == "hợp tác xã"
    assert "NQ" in table
    assert folds(Analyzer(table), "htx") == ["hop", "tac", "xa"]


def test_greetings_and_thanks_are_chatter_but_questions_are_not() -> None:
    a = Analyzer()
    for text in ["hello", "cảm ơn ạ", "chào bot", "ok", "cam on nhieu nha"]:
        assert a.is_chatter(a.analyze(text)), text
    for text in ["cảm ơn, cho hỏi hội nghị khi nào", "hoi nghi", "nghị quyết 72"]:
        assert not a.is_chatter(a.analyze(text)), text


def test_a_kind_asked_for_is_a_definition_question() -> None:
    """ "X là văn bản gì" asks what X is, as "X là gì" does; the kind named stays a word of the question."""
    a = Analyzer()
    assert folds(a, "Chương trình hành động là văn bản gì?")[-3:] == ["@what", "van", "ban"]
    assert folds(a, "bai thu hoach la loai bai viet gi a")[3:] == ["@what", "loai", "bai", "viet", "a"]
    assert folds(a, "điểm cầu nghĩa là sao") == ["diem", "cau", "@what"]
    # who, when, how many: other questions, left alone
    assert "@what" not in folds(a, "người chủ trì là ai")
    assert "@what" not in folds(a, "han nop la ngay nao")
    # "gì" not at the end, or too far from "là": not this form
    assert "@what" not in folds(a, "là bí thư chi bộ thì phải làm gì trước hội nghị")
