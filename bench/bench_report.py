"""A province's `/baocao` and its written report at 20 / 200 / 2,000 cells.

    .venv/bin/python bench/bench_report.py [--cells 20 200 2000] [--members 50] [--repeat 3] [--cold]

For each size: a province committee with 20 district committees and the cells spread over them, ``--members``
members per cell (30,000 different names among 100,000), one province-wide conference (70% answered "Tham dự",
10% "Vắng" with a reason), one quiz assigned by the province (half took it), one essay deadline (40% handed in),
seeded into a SQLite file by one process. Then, in a fresh process that only opens that file, as the bot would:
the province admin's `/baocao` through the dialogue core (figures, chat text, XLSX, chart) — the first one in the
process (after ``bot.render.preload``, as ``chibo run`` loads openpyxl, matplotlib and python-docx at start-up;
with ``--cold`` the first one loads them itself) and the median of ``--repeat`` more, in wall-clock and in the
process's CPU time (the machine's other work inflates the first, hardly the second) — the written report (.docx),
the process's peak memory (ru_maxrss) and the number of Telegram messages the chat text makes (split at the
adapter's limit).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DISTRICTS = 20
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lò", "Cầm")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quang", "Thanh", "Xuân")
SECOND = ("", "", "", "Kim", "Hồng", "Bảo", "Hải", "Mạnh", "Thuỳ", "Việt", "Anh")  # often none
GIVEN = ("An", "Bình", "Cường", "Dung", "Đức", "Em", "Giang", "Hoa", "Hùng", "Lan", "Mai", "Nam", "Oanh", "Phúc",
         "Quân", "Sơn", "Tâm", "Uyên", "Vân", "Yến", "Ánh", "Ân", "Ước", "Thắm", "Khánh", "Lực")  # fmt: skip
NOW = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


def seed(app: object, cells: int, members: int) -> int:
    from sqlalchemy import insert, select

    from bot.bootstrap import App
    from bot.services.events import EventDraft
    from bot.services.org import Actor
    from bot.storage.models import Event, EventResponse, Member, QuizAssignment, QuizAttempt, Unit
    from bot.text.when import When

    assert isinstance(app, App)
    system = Actor.system()
    province = app.org.add_unit(system, "Đảng bộ tỉnh Mẫu", "committee").id
    districts = [app.org.add_unit(system, f"Đảng bộ huyện {k:02d}", "committee", province).id for k in range(DISTRICTS)]
    rng = random.Random(1)
    with app.db.session() as s:
        paths = {u.id: u.path for u in s.scalars(select(Unit))}
        rows = []
        for n in range(cells):
            d = districts[n % DISTRICTS]
            rows.append({"name": f"Chi bộ {n:04d}", "kind": "cell", "parent_id": d, "path": "", "created_at": NOW})
        s.execute(insert(Unit), rows)
        new = list(s.scalars(select(Unit).where(Unit.kind == "cell")))
        for u in new:
            u.path = f"{paths[u.parent_id]}{u.id}/"  # type: ignore[index]
        s.flush()
        people = [
            {"unit_id": u.id, "full_name": " ".join(w for w in (rng.choice(FAMILY), rng.choice(MIDDLE),
                                                                 rng.choice(SECOND), rng.choice(GIVEN)) if w),
             "role": "member", "status": "active", "created_at": NOW}
            for u in new for k in range(members)
        ]  # fmt: skip
        s.execute(insert(Member), people)
    conference = app.events.create(
        system, EventDraft("conference", "Hội nghị quán triệt", When(date(2026, 4, 13), dtime(8, 0)), unit_id=province)
    )
    essay = app.events.create(
        system, EventDraft("deadline", "Nộp bài thu hoạch", When(date(2026, 4, 20)), topic="essay", unit_id=province)
    )
    quiz_id = app.knowledge.quizzes[0].id
    with app.db.session() as s:
        ids = list(s.scalars(select(Member.id)))
        answers, hand_ins, attempts = [], [], []
        for mid in ids:
            r = rng.random()
            if r < 0.7:
                answers.append({"event_id": conference.id, "occurrence_at": conference.starts_at, "member_id": mid,
                                "answer": "attend", "reason": None, "answered_at": NOW})  # fmt: skip
            elif r < 0.8:
                answers.append({"event_id": conference.id, "occurrence_at": conference.starts_at, "member_id": mid,
                                "answer": "absent", "reason": "Đi công tác", "answered_at": NOW})  # fmt: skip
            if rng.random() < 0.4:
                hand_ins.append({"event_id": essay.id, "occurrence_at": essay.starts_at, "member_id": mid,
                                 "answer": "submitted", "reason": None, "answered_at": NOW})  # fmt: skip
            if rng.random() < 0.5:
                score = rng.randint(0, 10)
                attempts.append({"quiz_id": quiz_id, "version": "1", "member_id": mid, "questions": [],
                                 "order": [], "answers": [], "position": 10, "status": "done", "score": score,
                                 "total": 10, "pass_mark": 5, "passed": score >= 5, "started_at": NOW,
                                 "finished_at": NOW})  # fmt: skip
        s.execute(insert(EventResponse), answers + hand_ins)
        s.execute(insert(QuizAttempt), attempts)
        event = s.scalar(select(Event.id).where(Event.topic == "essay"))
        s.execute(insert(QuizAssignment), [{"quiz_id": quiz_id, "unit_id": province, "event_id": event,
                                             "created_at": NOW}])  # fmt: skip
    return province


def prepare(cells: int, members: int, path: str) -> None:
    from bot.bootstrap import build_app
    from bot.clock import FixedClock
    from bot.config import load_settings
    from bot.services.org import Actor

    settings = load_settings(_env_file=None, database_url=f"sqlite:///{path}")
    app = build_app(settings, clock=FixedClock(NOW))
    province = seed(app, cells, members)
    invite = app.org.create_invite(Actor.system(), province, "admin").code
    app.org.redeem(invite, "telegram", "admin", "Quản trị tỉnh")


def child(cells: int, members: int, path: str, repeat: int, preload_renderers: bool = True) -> dict[str, float]:
    from bot.bootstrap import build_app
    from bot.channels.telegram.adapter import TEXT_LIMIT
    from bot.clock import FixedClock
    from bot.config import load_settings
    from bot.dialogue.contract import IncomingMessage, split_text

    settings = load_settings(_env_file=None, database_url=f"sqlite:///{path}")
    app = build_app(settings, clock=FixedClock(NOW))
    core = app.core()
    if preload_renderers:  # as `chibo run` does at start-up, in the background
        from bot.render import preload

        preload()
    times, cpu = [], []
    for _ in range(1 + repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        (reply,) = core.handle(IncomingMessage("telegram", "admin", "admin", text="/baocao")).replies
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    admin = app.org.actor_for("telegram", "admin")
    assert admin is not None
    start = time.perf_counter()
    draft = app.drafts.draft(admin, stage="after")
    docx_seconds = time.perf_counter() - start
    png = next(a for a in reply.attachments if a.is_image)
    width, height = int.from_bytes(png.content[16:20], "big"), int.from_bytes(png.content[20:24], "big")
    return {
        "cells": cells,
        "members": cells * members,
        "first_s": round(times[0], 2),
        "baocao_s": round(statistics.median(times[1:] or times), 2),
        "cpu_s": round(statistics.median(cpu[1:] or cpu), 2),  # the process's CPU time: less sensitive to load
        "docx_s": round(docx_seconds, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "chat_messages": len(split_text(reply.text, TEXT_LIMIT)),
        "chat_chars": len(reply.text),
        "png": f"{width}×{height}",
        "png_kb": round(len(png.content) / 1024, 0),
        "xlsx_kb": round(len(reply.attachments[0].content) / 1024, 0),
        "docx_kb": round(len(draft.content) / 1024, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, nargs="+", default=[20, 200, 2000])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="/baocao again this many times: the median is shown")
    parser.add_argument("--child", choices=("seed", "measure"))
    parser.add_argument("--db")
    parser.add_argument("--cold", action="store_true", help="do not load the renderers' libraries first")
    args = parser.parse_args()
    if args.child == "seed":
        prepare(args.cells[0], args.members, args.db)
        return
    if args.child == "measure":
        print(json.dumps(child(args.cells[0], args.members, args.db, args.repeat, preload_renderers=not args.cold)))
        return
    print("cells  members  first (s)  /baocao (s)  CPU (s)  .docx (s)  peak MB  messages  chars  chart (px)  PNG KB  "
          "XLSX KB")  # fmt: skip
    for cells in args.cells:
        with tempfile.TemporaryDirectory() as tmp:
            db = f"{tmp}/bench.db"
            common = ["--cells", str(cells), "--members", str(args.members), "--db", db]
            subprocess.run([sys.executable, __file__, "--child", "seed", *common], check=True)
            cold = ["--cold"] if args.cold else []
            out = subprocess.run([sys.executable, __file__, "--child", "measure", "--repeat", str(args.repeat),
                                  *cold, *common], capture_output=True, text=True, check=True)  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['cells']:>5}  {r['members']:>7}  {r['first_s']:>9}  {r['baocao_s']:>11}  {r['cpu_s']:>7}  "
              f"{r['docx_s']:>9}  "
              f"{r['peak_mb']:>7.0f}  {r['chat_messages']:>8}  {r['chat_chars']:>5}  {r['png']:>10}  "
              f"{r['png_kb']:>6.0f}  {r['xlsx_kb']:>7.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
