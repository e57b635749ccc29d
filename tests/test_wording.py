"""Wording that misled: labels cut mid-word, examples already past, the roll of /thamdu."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from bot.bootstrap import build_app
from bot.clock import FixedClock
from bot.config import load_settings
from bot.dialogue.contract import IncomingMessage, Reply
from bot.dialogue.core import DialogueCore
from bot.messages import vi_events as ve
from bot.services.org import Actor
from bot.text.labels import shorten

DATA = Path(__file__).resolve().parent / "data" / "content"


def test_a_label_is_cut_at_a_word_with_an_ellipsis() -> None:
    option = "C. Một số giải pháp đột phá, tăng cường bảo vệ, chăm sóc và nâng cao sức khỏe nhân dân"
    cut = shorten(option, 64)
    assert cut == "C. Một số giải pháp đột phá, tăng cường bảo vệ, chăm sóc và…" and len(cut) <= 64
    assert (
        shorten("Làm bài: Nghị quyết Đại hội XIV và các Nghị quyết", 48)
        == "Làm bài: Nghị quyết Đại hội XIV và các Nghị…"
    )
    assert shorten("Hội nghị", 40) == "Hội nghị"
    assert shorten("x" * 100, 20) == "x" * 19 + "…"


def say(core: DialogueCore, text: str = "", button: str | None = None) -> list[Reply]:
    return core.handle(IncomingMessage("telegram", "s", "s", text=text, button=button)).replies


def test_every_example_date_is_ahead_of_today_and_works_when_copied(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2027, 5, 20, 1, 0, tzinfo=UTC))
    app = build_app(
        load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}", content_dir=DATA), clock=clock
    )
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ xã", "committee").id
    cell = app.org.add_unit(system, "Chi bộ thôn 1", "cell", committee).id
    app.org.redeem(app.org.create_invite(system, cell, "secretary").code, "telegram", "s", "Phạm Thị Hoa")
    core = app.core()
    shown = [
        say(core, "/taosukien Hội nghị")[0].text,  # the usage, with examples
        say(core, "/taosukien Hội nghị | hôm qua")[0].text,  # a time not understood: asked again, with an example
        say(core, "/giaobai")[0].text,
    ]
    say(core, button="ev:no")
    say(core, "/taosukien")
    shown.append(say(core, button="ev:k:c")[0].text)
    shown.append(say(core, "Hội nghị chi bộ")[0].text)  # the time is asked, with an example
    say(core, button="ev:no")
    shown.append(say(core, "/taosukien")[0].text)
    shown.append(say(core, button="ev:k:e")[0].text)  # the deadline is asked, with examples
    dates = [re.findall(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", text) for text in shown]
    assert all(dates[i] for i in (0, 1, 2, 4, 6))  # the usage, asked again, /giaobai, the time, the deadline
    today = (2027, 5, 20)
    for found in dates:
        for d, m, y in found:
            assert (int(y), int(m), int(d)) > today, (d, m, y)
    # The first example, copied as it is, is taken.
    example = next(line for line in shown[0].splitlines() if line.startswith("Ví dụ: "))[len("Ví dụ: ") :]
    say(core, button="ev:no")
    (confirm,) = say(core, example)
    assert confirm.text.startswith("Tôi hiểu như sau") and ve.IN_THE_PAST not in confirm.text
