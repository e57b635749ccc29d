from __future__ import annotations

import unicodedata

import pytest

from bot.text.normalize import fold, marks_compatible, marks_of, repair_telex, tokenize


def folds(text: str) -> list[str]:
    return [t.fold for t in tokenize(text)]


def test_nfc_and_nfd_forms_give_the_same_tokens() -> None:
    text = "Nghị quyết Đại hội"
    assert tokenize(unicodedata.normalize("NFD", text)) == tokenize(text)


def test_both_tone_placements_are_the_same_word() -> None:
    assert marks_of("hoà") == marks_of("hòa")
    assert marks_of("thuỷ") == marks_of("thủy")


def test_words_that_differ_only_by_diacritics_stay_apart() -> None:
    assert fold("vàng") == fold("vắng")
    assert not marks_compatible(marks_of("vàng"), marks_of("vắng"))
    assert not marks_compatible(marks_of("giá"), marks_of("gia"))


def test_missing_marks_are_compatible_but_wrong_marks_are_not() -> None:
    assert marks_compatible(marks_of("quyêt"), marks_of("quyết"))
    assert marks_compatible("", marks_of("quyết"))
    assert not marks_compatible(marks_of("quyệt"), marks_of("quyết"))


def test_d_stroke_folds_to_d() -> None:
    assert folds("Đảng ĐẢNG đảng") == ["dang", "dang", "dang"]


def test_case_punctuation_emoji_and_spaces_do_not_matter() -> None:
    assert folds("  NGHỊ   quyết!!! 🙏😀 ??") == ["nghi", "quyet"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("quyeets", "quyet"), ("ddaij", "dai"), ("hooij", "hoi"), ("trwowngf", "truong"), ("nghij", "nghi")],
)
def test_telex_leftovers_are_repaired(typed: str, expected: str) -> None:
    assert repair_telex(typed) == expected


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("ngày 13/4/2026", "13/4"),
        ("13-4-2026", "13/4"),
        ("13/04", "13/4"),
        ("ngày 13 tháng 4 năm 2026", "13/4"),
        ("07/02/2026", "7/2"),
        ("7/2", "7/2"),
        ("13.4.2026", "13/4"),
    ],
)
def test_dates_written_every_way_become_one_token(text: str, date: str) -> None:
    assert date in folds(text)


def test_section_numbers_are_not_read_as_dates() -> None:
    assert "3/2" not in folds("Mục 3.2")


@pytest.mark.parametrize(
    ("text", "time"), [("08h00", "8h00"), ("8h", "8h00"), ("14 giờ 00 phút", "14h00"), ("10:30", "10h30")]
)
def test_times_become_one_token(text: str, time: str) -> None:
    assert time in folds(text)


def test_numbers_drop_leading_zeros_and_split_from_letters() -> None:
    assert folds("nq72") == ["nq", "72"]
    assert folds("Chỉ thị số 01-CT/TW") == ["chi", "thi", "so", "1", "ct", "tw"]


def test_roman_numerals_become_numbers_where_they_are_numbers() -> None:
    assert folds("Đại hội XIV") == ["dai", "hoi", "14"]
    assert folds("quý I/2026") == ["quy", "1", "2026"]
    assert folds("dai hoi xiv") == ["dai", "hoi", "14"]
    # "vì sao" typed without diacritics is not the number six
    assert folds("vi sao") == ["vi", "sao"]


def test_ordinal_after_lan_thu_is_a_number_but_monday_is_not() -> None:
    assert folds("lần thứ hai") == ["lan", "thu", "2"]
    assert folds("thứ Hai") == ["thu", "hai"]
