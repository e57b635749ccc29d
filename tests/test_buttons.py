"""Typed button data: what a button carries is checked when it is built, and a press that is not exactly
a known kind with values in range is not understood."""

from __future__ import annotations

import pytest

from bot.dialogue import buttons as bt
from bot.dialogue.buttons import ButtonKind, Int, Text
from bot.dialogue.contract import Outcome
from bot.dialogue.core import Context, DialogueCore, Feature


def test_a_button_reads_back_what_it_was_built_with() -> None:
    assert bt.EVENT_ATTEND.pack(12, 29_000_000) == "ev:a:12:29000000"
    assert bt.EVENT_ATTEND.unpack("ev:a:12:29000000") == (12, 29_000_000)
    assert bt.QUIZ_ANSWER.unpack(bt.QUIZ_ANSWER.pack(7, 2, 3)) == (7, 2, 3)
    assert bt.EVENT_SAVE.unpack(bt.EVENT_SAVE.pack()) == ()


def test_building_a_button_over_64_bytes_fails_at_once() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        ButtonKind("test:long", Text(r".{1,200}")).pack("x" * 70)
    with pytest.raises(ValueError):
        bt.QUIZ_ANSWER.pack(7, 2, 10)  # an option that cannot be shown


@pytest.mark.parametrize(
    "forged",
    [
        "ev:a:12",  # a value missing
        "ev:a:12:34:56",  # one too many
        "ev:a:x:34",  # not a number
        "ev:a:-1:34",
        "ev:a:0:34",  # below the range
        "ev:a:99999999999999999999999:1",  # far beyond it
        "qz:a:7:2:10",
        "ev:e:3:z",  # not a field that can be edited
        "ev:ax:12:34",
        "nb:yes:NOT-HEX",
    ],
)
def test_forged_or_malformed_data_unpacks_to_nothing(forged: str) -> None:
    assert all(kind.unpack(forged) is None for kind in bt.registered().values())


def test_a_tag_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        ButtonKind("ev:a", Int(), Int())


def test_two_features_claiming_one_prefix_fail_at_start_up() -> None:
    def handler(ctx: Context, data: str) -> Outcome:
        return Outcome()

    qa: object = None
    with pytest.raises(ValueError, match="registered twice"):
        DialogueCore(qa, None, features=(Feature(buttons={"ev": handler}), Feature(buttons={"ev": handler})))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="registered twice"):
        DialogueCore(qa, None, features=(Feature(buttons={"f": handler}),))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="claimed twice"):
        DialogueCore(qa, None, features=(Feature(deep_links={"": handler}), Feature(deep_links={"": handler})))  # type: ignore[arg-type]


def test_a_deep_link_goes_to_the_feature_with_the_longest_claimed_prefix() -> None:
    seen: list[str] = []

    def claim(name: str):  # type: ignore[no-untyped-def]
        def handler(ctx: Context, payload: str) -> Outcome:
            seen.append(f"{name}:{payload}")
            return Outcome()

        return handler

    core = DialogueCore(
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        features=(Feature(deep_links={"": claim("join")}), Feature(deep_links={"qr-": claim("checkin")})),
    )
    ctx = Context.__new__(Context)
    core.deep_link(ctx, "qr-42")
    core.deep_link(ctx, "ABCDEFGHJKMN")
    assert seen == ["checkin:qr-42", "join:ABCDEFGHJKMN"]
