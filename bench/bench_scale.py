"""A whole province at once, on PostgreSQL: bounded runs at 1,000 / 10,000 / 100,000 members, each beside the
old behaviour in the same run.

    export CHIBO_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
    git worktree add --detach /tmp/chibo-before 9bddbd1   # the code before, for the side-by-side figures
    .venv/bin/python bench/bench_scale.py [queueing|sending] [--sizes 1000 10000 100000] [--send 2000] \\
        [--before /tmp/chibo-before]

queueing — members in cells of 50 under 20 district committees under one province. For each size, in a fresh
process each (peak memory is the process's own, ``ru_maxrss``, imports included): the fan-out of one
province-wide reminder moment and the queueing of one ``/thongbao`` to everyone, in chunks of 2,000 members
(now) and by the code before this change (``--before``: a checkout of it, the whole audience in one
transaction), on the same database. Seconds, peak MB.

retention — the rows the last of those runs left (one ``/thongbao`` to everyone), marked delivered 31 days
ago, purged by the scheduler's retention in batches of 2,000: outbox rows and table size (after VACUUM FULL,
to show what the rows held) before and after, and the seconds the purge took.

sending (``--send`` members, really sent, paced by the shared PostgreSQL budget at 29/s, into a recording
sender; with 3 tokens, each token its own budget and 3 × ``--send`` members) — the combined rate; a reminder
moment due 90 s ahead with early start on and off: each member's lateness against the moment (p50/p95/max); a
change notice queued 10 s into a batch: its wait, with priorities and without (the old ``due_at, id`` order).
The figures for 10,000 and 100,000 members are extrapolated from the measured rate: member i of N is sent at
start + i / rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, insert, select, text, update  # noqa: E402

from bench.bench_delivery import Schema  # noqa: E402

TOKENS = ("123456:TEST-TOKEN", "223456:TEST-TOKEN", "323456:TEST-TOKEN")
CELL = 50
DISTRICTS = 20
RATE = 29.0  # the budget's per-token rate


def app_for(url: str, **settings: Any) -> Any:
    from bot.bootstrap import build_app
    from bot.config import load_settings

    return build_app(load_settings(_env_file=None, database_url=url, telegram_token=TOKENS[0], **settings))


def populate(app: Any, members: int) -> None:
    """One province, 20 districts, cells of 50; an admin at the province; ``members`` members with Telegram."""
    from bot.storage.models import Account, Member, Unit

    now = datetime.now(UTC)
    with app.db.session() as s:
        province = Unit(name="Đảng bộ tỉnh", kind="committee", path="/", created_at=now, code="P")
        s.add(province)
        s.flush()
        province.path = f"/{province.id}/"
        admin = Member(unit_id=province.id, full_name="Quản trị", role="admin", status="active", created_at=now)
        s.add(admin)
        s.flush()
        s.add(Account(channel="telegram", user_ref="1", member_id=admin.id, linked_at=now))
        districts = []
        for d in range(DISTRICTS):
            unit = Unit(name=f"Huyện {d}", kind="committee", parent_id=province.id, path="", created_at=now)
            s.add(unit)
            s.flush()
            unit.path = f"{province.path}{unit.id}/"
            unit.code = f"D{d:02d}"
            districts.append(unit)
        cells = []
        for c in range(max(1, members // CELL)):
            parent = districts[c % DISTRICTS]
            unit = Unit(name=f"Chi bộ {c}", kind="cell", parent_id=parent.id, path="", created_at=now)
            s.add(unit)
            s.flush()
            unit.path = f"{parent.path}{unit.id}/"
            cells.append(unit.id)
        first = admin.id + 1
        for start in range(0, members, 10_000):
            ids = range(start, min(members, start + 10_000))
            s.execute(
                insert(Member),
                [{"id": first + i, "unit_id": cells[i // CELL % len(cells)], "full_name": f"Đảng viên {i}",
                  "role": "member", "status": "active", "created_at": now, "joined_at": now} for i in ids],
            )  # fmt: skip
            s.execute(
                insert(Account),
                [{"channel": "telegram", "user_ref": str(100_000 + i), "member_id": first + i, "linked_at": now}
                 for i in ids],
            )  # fmt: skip
        s.execute(text("SELECT setval(pg_get_serial_sequence('member', 'id'), (SELECT max(id) FROM member))"))


def admin_actor(app: Any) -> Any:
    actor = app.org.actor_for("telegram", "1")
    assert actor is not None
    return actor


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- one measurement, in its own process ---------------------------------------------------------------------


def one(url: str, what: str, chunk: int) -> dict[str, Any]:
    """``fanout`` or ``broadcast`` over the whole province with ``chunk`` members per transaction; ``chunk`` 0:
    the code before this change (``--root``: a checkout of it), the whole audience in one transaction."""
    from bot.bootstrap import build_app
    from bot.config import load_settings
    from bot.services.broadcasts import BroadcastService
    from bot.services.events import EventDraft
    from bot.storage.models import Outbox, Reminder
    from bot.text.when import When
    from scheduler.fanout import ReminderFanOut

    settings = load_settings(_env_file=None, database_url=url, telegram_token=TOKENS[0])
    app = build_app(settings, migrate=False)  # the schema is the new one; the code before does not know it
    actor = admin_actor(app)
    with app.db.session() as s:
        s.execute(delete(Outbox))
    base = peak_mb()
    if what == "fanout":
        day = (datetime.now(UTC) + timedelta(days=3)).date()
        event = app.events.create(actor, EventDraft("conference", "Hội nghị quán triệt", When(day, dtime(8, 0)))).id
        with app.db.session() as s:
            first = s.scalar(select(func.min(Reminder.id)).where(Reminder.event_id == event))
            s.execute(update(Reminder).where(Reminder.id == first).values(due_at=datetime.now(UTC)))
        parts = (app.db, app.clock, app.events)
        fanout = ReminderFanOut(*parts, chunk=chunk) if chunk else ReminderFanOut(*parts)
        t0 = time.perf_counter()
        queued = fanout.run()
    else:
        service = BroadcastService(app.db, app.clock, app.events.texts, chunk=chunk) if chunk else app.broadcasts
        t0 = time.perf_counter()
        _, queued = service.broadcast(actor, "Thông báo toàn Đảng bộ tỉnh", token=uuid.uuid4().hex[:12])
    seconds = time.perf_counter() - t0
    app.db.engine.dispose()
    return {"what": what, "chunk": chunk, "queued": queued, "seconds": seconds, "peak_mb": peak_mb(), "base_mb": base}


def measure(url: str, what: str, chunk: int, root: str = "") -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "one", "--url", url, "--what", what, "--chunk", str(chunk), "--root", root],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def table_mb(app: Any, name: str) -> float:
    with app.db.session() as s:
        return float(s.scalar(text(f"SELECT pg_total_relation_size('{name}')")) or 0) / 2**20


def retention(app: Any) -> dict[str, Any]:
    """Every outbox row marked delivered 31 days ago, then purged by the scheduler's retention."""
    from bot.storage.models import Outbox
    from scheduler.retention import Retention

    old = datetime.now(UTC) - timedelta(days=31)
    with app.db.session() as s:
        s.execute(update(Outbox).values(status="sent", sent_at=old, due_at=old))
        rows_before = int(s.scalar(select(func.count(Outbox.id))) or 0)
    with app.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM FULL outbox"))
    before = table_mb(app, "outbox")
    t0 = time.perf_counter()
    purged = 0
    keeper = Retention(app.db, app.clock, 30)
    while n := keeper.run():
        purged += n
    seconds = time.perf_counter() - t0
    with app.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM FULL outbox"))
        conn.execute(text("VACUUM FULL outbox_summary"))
    with app.db.session() as s:
        rows_after = int(s.scalar(select(func.count(Outbox.id))) or 0)
    return {
        "rows_before": rows_before,
        "rows_after": rows_after,
        "purged": purged,
        "seconds": seconds,
        "outbox_mb_before": before,
        "outbox_mb_after": table_mb(app, "outbox"),
        "summary_mb": table_mb(app, "outbox_summary"),
    }


def queueing(db_url: str, sizes: list[int], before: str) -> list[dict[str, Any]]:
    results = []
    for n in sizes:
        schema = Schema(db_url)
        try:
            app = app_for(schema.url)
            t0 = time.perf_counter()
            populate(app, n)
            row: dict[str, Any] = {"members": n, "populate_s": time.perf_counter() - t0}
            for what in ("fanout", "broadcast"):
                row[what] = {"chunked": measure(schema.url, what, 2000), "before": measure(schema.url, what, 0, before)}
            row["retention"] = retention(app)
            app.db.engine.dispose()
        finally:
            schema.drop()
        print(json.dumps(row), flush=True)
        results.append(row)
    return results


# -- sending, really, at the budget's rate ------------------------------------------------------------------------


class Recorder:
    """A sender that records when each message went (the budget paces the dispatcher as for Telegram)."""

    def __init__(self, key: str) -> None:
        self.budget_key = key
        self.sent: dict[str, float] = {}

    async def send(self, item: Any) -> Any:
        from bot.channels.contract import Result

        self.sent.setdefault(item.chat_ref, time.time())
        return Result("sent")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def drive(delivery: Any, until: Any, seconds: float = 600) -> None:
    stop = time.time() + seconds
    while not until() and time.time() < stop:
        await delivery.tick()
        await asyncio.sleep(0.2)


def senders_for(tokens: int) -> dict[str, Recorder]:
    from scheduler.budget import token_key

    names = ["telegram", *(f"telegram@D{i:02d}" for i in range(1, tokens))]
    return {name: Recorder(token_key("telegram", TOKENS[i])) for i, name in enumerate(names)}


def spread(app: Any, tokens: int) -> None:
    """With several tokens: members of district i reach the bot of district i (three bots in turn)."""
    from bot.storage.models import Account

    if tokens == 1:
        return
    with app.db.session() as s:
        for i in range(1, tokens):
            s.execute(update(Account).where(text(f"user_ref::bigint % {tokens} = {i}")).values(bot=f"D{i:02d}"))


def lateness_run(db_url: str, members: int, early: bool, tokens: int) -> dict[str, Any]:
    """A reminder moment 90 s ahead (its start planned now); lateness of each member against the moment."""
    from bot.services.events import EventDraft
    from bot.storage.models import Event, Outbox, Reminder
    from bot.text.when import When

    schema = Schema(db_url)
    try:
        app = app_for(schema.url, delivery_early_start=early, delivery_rate=RATE * tokens)
        populate(app, members)
        spread(app, tokens)
        senders = senders_for(tokens)
        delivery = app.delivery(senders, name="bench")
        day = (datetime.now(UTC) + timedelta(days=3)).date()
        event = app.events.create(admin_actor(app), EventDraft("conference", "Hội nghị", When(day, dtime(8, 0)))).id
        due = datetime.now(UTC) + timedelta(seconds=90)
        with app.db.session() as s:
            s.execute(delete(Reminder).where(Reminder.event_id == event))
            e = s.get(Event, event)
            assert e is not None
            size = app.events.audience_count(s, e)
            start = app.events.reminders.pacing.start(due, datetime.now(UTC), size)
            s.execute(
                insert(Reminder),
                [{"event_id": event, "occurrence_at": e.starts_at, "due_at": due, "version": e.version,
                  "status": "pending", "late": False, "start_at": start}],
            )  # fmt: skip

        def done() -> bool:
            with app.db.session() as s:
                status = select(Reminder.status).where(Reminder.event_id == event, Reminder.due_at == due)
                fanned = s.scalar(status) == "fanned"
                left = s.scalar(select(func.count()).where(Outbox.status.in_(("pending", "sending"))))
                return fanned and not left

        t0 = time.time()
        asyncio.run(drive(delivery, done))
        times = sorted(t for r in senders.values() for t in r.sent.values())
        late = [t - due.timestamp() for t in times]
        span = times[-1] - times[0]
        app.db.engine.dispose()
        return {
            "members": members, "early_start": early, "tokens": tokens, "sent": len(times),
            "rate": (len(times) - 1) / span if span else 0.0, "wall_s": time.time() - t0,
            "started_before_due_s": due.timestamp() - times[0],
            "late_p50": pct(late, 0.5), "late_p95": pct(late, 0.95), "late_max": max(late),
        }  # fmt: skip
    finally:
        schema.drop()


def notice_run(db_url: str, members: int, priority: bool) -> dict[str, Any]:
    """A province-wide broadcast; 10 s in, a change notice to one member: how long it waits."""
    from bot.services.outbox import PRIORITY, outbox_row
    from bot.storage.models import Outbox

    schema = Schema(db_url)
    try:
        app = app_for(schema.url)
        populate(app, members)
        senders = senders_for(1)
        delivery = app.delivery(senders, name="bench")
        app.broadcasts.broadcast(admin_actor(app), "Thông báo toàn tỉnh", token="bulk")
        queued_at: list[float] = []

        async def go() -> None:
            task = asyncio.create_task(drive(delivery, lambda: "change" in senders["telegram"].sent))
            await asyncio.sleep(10)
            with app.db.session() as s:
                row = outbox_row("change", None, ("telegram", "change"), "notice", "đổi giờ", datetime.now(UTC))
                if not priority:  # before: one order for everything, due time then queue order
                    row["priority"] = PRIORITY["broadcast"]
                s.execute(insert(Outbox), [row])
            queued_at.append(time.time())
            await task

        asyncio.run(go())
        sent = senders["telegram"].sent
        before = sum(1 for t in sent.values() if t < queued_at[0])
        app.db.engine.dispose()
        return {
            "members": members, "priority": priority, "wait_s": sent["change"] - queued_at[0],
            "sent_before_notice": before, "sent_before_it_went": sum(1 for t in sent.values() if t < sent["change"]),
        }  # fmt: skip
    finally:
        schema.drop()


def extrapolate(n: int, rate: float, planned_rate: float, early: bool, lead_cap: float = 7200.0) -> dict[str, float]:
    """Member i of n is sent at start + i / rate; the start is the moment, or (early) n / planned_rate before it
    (at most ``lead_cap`` seconds). Lateness in minutes."""
    lead = min(n / planned_rate, lead_cap) if early and n / planned_rate >= 60 else 0.0
    late = [(-lead + i / rate) / 60 for i in range(n)]
    return {"p50": statistics.median(late), "p95": pct(late, 0.95), "max": late[-1]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?", default="all", choices=["all", "one", "queueing", "sending"])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    parser.add_argument("--send", type=int, default=2000)  # 69 s at 29/s: long enough to start early
    parser.add_argument("--url", default="")
    parser.add_argument("--what", default="fanout")
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--root", default="")
    parser.add_argument("--before", default="")
    args = parser.parse_args()
    if args.mode == "one":
        if args.root:
            sys.path.insert(0, args.root)
        print(json.dumps(one(args.url, args.what, args.chunk)))
        return
    db_url = os.environ.get("CHIBO_BENCH_DATABASE_URL") or os.environ.get("CHIBO_TEST_DATABASE_URL")
    if not db_url:
        sys.exit("CHIBO_TEST_DATABASE_URL (or CHIBO_BENCH_DATABASE_URL): a PostgreSQL database to make schemas in")
    print("load:", os.getloadavg(), flush=True)
    if args.mode in ("all", "queueing"):
        if not args.before:
            sys.exit("--before: a checkout of the code before this change (git worktree add --detach DIR 9bddbd1)")
        for row in queueing(db_url, args.sizes, args.before):
            f, b, r = row["fanout"], row["broadcast"], row["retention"]
            print(
                f"{row['members']:>7} members | fan-out {f['chunked']['seconds']:.1f} s, "
                f"{f['chunked']['peak_mb']:.0f} MB"
                f" (before {f['before']['seconds']:.1f} s, {f['before']['peak_mb']:.0f} MB)"
                f" | /thongbao {b['chunked']['seconds']:.1f} s, {b['chunked']['peak_mb']:.0f} MB (before "
                f"{b['before']['seconds']:.1f} s, {b['before']['peak_mb']:.0f} MB) | outbox "
                f"{r['rows_before']} rows {r['outbox_mb_before']:.1f} MB → {r['rows_after']} rows "
                f"{r['outbox_mb_after']:.2f} MB (+ summary {r['summary_mb']:.2f} MB), purge {r['seconds']:.1f} s",
                flush=True,
            )
    if args.mode in ("all", "sending"):
        runs = []
        for tokens in (1, 3):
            for early in (True, False):
                f = lateness_run(db_url, args.send * tokens, early, tokens)
                runs.append(f)
                print(json.dumps(f), flush=True)
        for priority in (True, False):
            print(json.dumps(notice_run(db_url, args.send, priority)), flush=True)
        print("extrapolated lateness (minutes, p50/p95/max) from the measured rates:", flush=True)
        for f in runs:
            for n in args.sizes:
                x = extrapolate(n, f["rate"], RATE * f["tokens"], f["early_start"])
                print(
                    f"  {n:>7} members, {f['tokens']} token(s) at {f['rate']:.1f}/s, early start "
                    f"{'on ' if f['early_start'] else 'off'}: {x['p50']:+.1f} / {x['p95']:+.1f} / {x['max']:+.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
