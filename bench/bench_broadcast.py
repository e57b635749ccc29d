"""A broadcast to a whole committee, and the dispatcher's cost with many future reminders stored.

    .venv/bin/python bench/bench_broadcast.py [--members 10000] [--limit 30] [--stored 100000]

Part 1 — broadcast. The fake Bot API server of the tests (127.0.0.1) enforces ``--limit`` sends per second
(more in any one second are answered 429 retry_after 1, as Telegram does). A notice to ``--members`` members
goes through the outbox and the dispatcher (``scheduler/``) with the real python-telegram-bot ``Bot``.
Reported: the achieved rate as a fraction of the limit (from the server's own timestamps of accepted sends),
429s received, duplicates and lost messages. Baseline in the same run: the same members sent by a plain loop
through python-telegram-bot's own ``AIORateLimiter`` (no outbox), on the same fake server.

Part 2 — flat ticks. Per-tick time (median of 30 ticks) and the tick's peak memory (tracemalloc) with nothing
due, for 0, 10% and 100% of ``--stored`` future reminders and future outbox rows stored: the dispatcher reads
only what is due, so the three should match.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.ext import AIORateLimiter, ExtBot  # noqa: E402

from bot.bootstrap import App, build_app  # noqa: E402
from bot.channels.telegram.sender import TelegramSender  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.services.org import Actor  # noqa: E402
from bot.storage.models import Account, Event, Member, Outbox, Reminder, Unit  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402


def populate(app: App, members: int) -> Actor:
    """One cell with a secretary and ``members`` members, each with a Telegram account (ids 1000...)."""
    system = Actor.system()
    committee = app.org.add_unit(system, "Đảng bộ", "committee").id
    cell = app.org.add_unit(system, "Chi bộ", "cell", committee).id
    code = app.org.create_invite(system, cell, "secretary").code
    app.org.redeem(code, "telegram", "1", "Phạm Thị Hoa")
    now = datetime.now(UTC)
    with app.db.session() as s:
        first = (s.scalar(select(Member.id).order_by(Member.id.desc()).limit(1)) or 0) + 1
        s.execute(
            insert(Member),
            [{"id": first + i, "unit_id": cell, "full_name": f"Đảng viên {i}", "role": "member", "status": "active",
              "created_at": now, "joined_at": now} for i in range(members)],
        )  # fmt: skip
        s.execute(
            insert(Account),
            [{"channel": "telegram", "user_ref": str(1000 + i), "member_id": first + i, "linked_at": now}
             for i in range(members)],
        )  # fmt: skip
    secretary = app.org.actor_for("telegram", "1")
    assert secretary is not None
    return secretary


def broadcast_run(members: int, limit: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram(max_per_second=limit) as tg:
        settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp}/b.db", telegram_token=tg.token,
                                 telegram_base_url=tg.base_url)  # fmt: skip
        app = build_app(settings)
        secretary = populate(app, members)
        _, queued = app.broadcasts.broadcast(secretary, "Chi bộ họp lúc 19h30 tối nay tại nhà văn hoá.", token="bench")

        async def go() -> float:
            bot = Bot(tg.token, base_url=tg.base_url)
            async with bot:
                delivery = app.delivery({"telegram": TelegramSender(bot)})
                t0 = time.perf_counter()
                while True:
                    await delivery.tick()
                    with app.db.session() as s:
                        left = s.scalar(select(Outbox.id).where(Outbox.status.in_(("pending", "sending"))).limit(1))
                    if left is None:
                        return time.perf_counter() - t0
                    await asyncio.sleep(0.05)

        wall = asyncio.run(go())
        return summarise(tg, queued, limit, wall)


def baseline_run(members: int, limit: int) -> dict[str, float]:
    """A plain loop over the members through python-telegram-bot's own rate limiter."""
    with FakeTelegram(max_per_second=limit) as tg:

        async def go() -> float:
            bot = ExtBot(
                tg.token, base_url=tg.base_url, rate_limiter=AIORateLimiter(overall_max_rate=limit, max_retries=5)
            )
            async with bot:
                t0 = time.perf_counter()
                text = "📣 Thông báo của Chi bộ:\nChi bộ họp lúc 19h30 tối nay tại nhà văn hoá."
                await asyncio.gather(*(bot.send_message(1000 + i, text) for i in range(members)))
                return time.perf_counter() - t0

        wall = asyncio.run(go())
        return summarise(tg, members, limit, wall)


def summarise(tg: FakeTelegram, expected: int, limit: int, wall: float) -> dict[str, float]:
    notices = [c for c in tg.calls_to("sendMessage") if str(c.params["text"]).startswith("📣")]
    accepted = [c for c in notices if c.status == 200]
    refused = [c for c in notices if c.status == 429]
    counts = Counter(str(c.params["chat_id"]) for c in accepted)
    span = max(c.at for c in accepted) - min(c.at for c in accepted) if len(accepted) > 1 else 0.0
    rate = (len(accepted) - 1) / span if span else 0.0
    return {
        "sent": len(accepted),
        "rate": rate,
        "fraction": rate / limit,
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "lost": expected - len(counts),
        "429s": len(refused),
        "wall_s": wall,
    }


def tick_costs(stored: int) -> list[tuple[int, float, float]]:
    rows = []
    for n in (0, stored // 10, stored):
        with tempfile.TemporaryDirectory() as tmp:
            app = build_app(load_settings(_env_file=None, database_url=f"sqlite:///{tmp}/t.db"))
            now = datetime.now(UTC)
            with app.db.session() as s:
                unit = Unit(name="Chi bộ", kind="cell", path="/1/", created_at=now)
                s.add(unit)
                s.flush()
                event = Event(
                    unit_id=unit.id, kind="conference", title="Hội nghị", starts_at=now + timedelta(days=400),
                    has_time=True, reminders=[], status="active", version=1, created_at=now, updated_at=now,
                )  # fmt: skip
                s.add(event)
                s.flush()
                for start in range(0, n, 20000):
                    chunk = range(start, min(n, start + 20000))
                    due = [now + timedelta(days=1, seconds=i) for i in chunk]
                    s.execute(insert(Reminder), [
                        {"event_id": event.id, "occurrence_at": event.starts_at, "due_at": d, "version": 1,
                         "status": "pending", "late": False} for d in due])  # fmt: skip
                    s.execute(insert(Outbox), [
                        {"dedup_key": f"k{i}", "member_id": None, "channel": "telegram", "chat_ref": str(i),
                         "kind": "reminder", "text": "x", "buttons": [], "due_at": now + timedelta(days=1, seconds=i),
                         "status": "pending", "attempts": 0} for i in chunk])  # fmt: skip
            delivery = app.delivery({})
            times = []
            for _ in range(30):
                t0 = time.perf_counter()
                asyncio.run(delivery.tick())
                times.append(time.perf_counter() - t0)
            tracemalloc.start()
            asyncio.run(delivery.tick())
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rows.append((n, statistics.median(times) * 1000, peak / 1024))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()

    print(f"Broadcast to {args.members} members, fake server limit {args.limit}/s")
    runs = {"outbox + dispatcher": broadcast_run(args.members, args.limit)}
    if not args.skip_baseline:
        runs["baseline: PTB AIORateLimiter loop"] = baseline_run(args.members, args.limit)
    print(f"{'':36} {'sent':>6} {'msg/s':>7} {'of limit':>9} {'dupl.':>6} {'lost':>5} {'429s':>5} {'wall s':>7}")
    for name, r in runs.items():
        print(f"{name:36} {r['sent']:6.0f} {r['rate']:7.2f} {r['fraction']:9.3f} {r['duplicates']:6.0f} "
              f"{r['lost']:5.0f} {r['429s']:5.0f} {r['wall_s']:7.1f}")  # fmt: skip

    print("\nDispatcher tick with nothing due, future reminders + outbox rows stored (median of 30 ticks)")
    print(f"{'stored':>8} {'tick ms':>8} {'peak KiB':>9}")
    for n, ms, kib in tick_costs(args.stored):
        print(f"{n:8d} {ms:8.2f} {kib:9.1f}")


if __name__ == "__main__":
    main()
