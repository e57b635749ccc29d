"""Delivery across crashes and instances, on PostgreSQL, against a fake Bot API in its own process that answers
429 above ``--limit`` sends in any one second (as Telegram does).

    export CHIBO_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/bench_delivery.py crash [--members 2000] [--kills 5]
    .venv/bin/python bench/bench_delivery.py instances [--members 3000] [--instances 2 3]

crash — a ``/thongbao`` to ``--members`` members sent by the real bot (``chibo run``, polling the fake), once
without a crash, then again (fresh schema, fresh fake) killing the bot with SIGKILL ``--kills`` times at random
moments and starting it again at once each time. Per member, from the fake's own log: lost, received twice;
and the time to the last delivery compared with the run without a crash.

instances — ``--members`` messages queued, then 2 (and 3) delivery processes on the one database, each with
its own dispatcher and its own Bot (as several bot instances in webhook mode would be). From the fake's log:
lost, duplicated, the busiest one-second window, 429s per 10,000 sends, the combined rate.

Each run makes its own schema and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

TOKEN = "123456:TEST-TOKEN"
NOTICE = "Chi bộ họp lúc 19h30 tối nay tại nhà văn hoá."


# -- the fake, in its own process ---------------------------------------------------------------------------


def serve_fake(limit: int, port_file: str) -> None:
    from tests.fakes.telegram_api import FakeTelegram

    stop = False

    def on_term(*_: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    with FakeTelegram(TOKEN, max_per_second=limit) as tg:
        Path(port_file).write_text(tg.base_url)
        while not stop:
            time.sleep(0.2)


class Fake:
    def __init__(self, limit: int) -> None:
        self.port_file = f"/tmp/chibo-fake-{uuid.uuid4().hex[:8]}"
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "fake", "--limit", str(limit), "--port-file", self.port_file]
        )
        for _ in range(100):
            if Path(self.port_file).exists() and Path(self.port_file).read_text():
                break
            time.sleep(0.1)
        self.base_url = Path(self.port_file).read_text()

    def log(self) -> list[list[Any]]:
        root = self.base_url.rsplit("/bot", 1)[0]
        request = urllib.request.Request(root + "/_control/log", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            result: list[list[Any]] = json.loads(response.read())["result"]
            return result

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        Path(self.port_file).unlink(missing_ok=True)


# -- the database -------------------------------------------------------------------------------------------


class Schema:
    def __init__(self, base_url: str) -> None:
        from bot.storage.db import make_engine

        self.base_url = base_url
        self.name = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(base_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        admin.dispose()
        sep = "&" if "?" in base_url else "?"
        self.url = f"{base_url}{sep}options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        from bot.storage.db import make_engine

        admin = make_engine(self.base_url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        admin.dispose()


def app_for(url: str, base_url: str) -> Any:
    from bot.bootstrap import build_app
    from bot.config import load_settings

    settings = load_settings(_env_file=None, database_url=url, telegram_token=TOKEN, telegram_base_url=base_url)
    return build_app(settings)


def open_rows(app: Any) -> int:
    from bot.storage.models import Outbox

    with app.db.session() as s:
        return int(s.scalar(select(func.count()).where(Outbox.status.in_(("pending", "sending")))) or 0)


def count(log: list[list[Any]], members: int) -> dict[str, Any]:
    notices = [row for row in log if str(row[3]).startswith("📣")]
    accepted = [row for row in notices if row[1] == 200]
    per_chat = Counter(row[0] for row in accepted)
    expected = {str(1000 + i) for i in range(members)}
    times = sorted(row[2] for row in notices)
    busiest, j = 0, 0
    for i, t in enumerate(times):  # any one-second window, from every send's own time
        while times[j] <= t - 1.0:
            j += 1
        busiest = max(busiest, i - j + 1)
    acc_times = sorted(row[2] for row in accepted)
    span = acc_times[-1] - acc_times[0] if len(acc_times) > 1 else 0.0
    return {
        "lost": len(expected - set(per_chat)),
        "duplicated": sum(n - 1 for n in per_chat.values() if n > 1),
        "members_twice": sum(1 for n in per_chat.values() if n > 1),
        "refused_429": sum(1 for row in notices if row[1] == 429),
        "attempts": len(notices),
        "busiest_second": busiest,
        "rate": (len(acc_times) - 1) / span if span else 0.0,
        "first_at": acc_times[0] if acc_times else 0.0,
        "last_at": acc_times[-1] if acc_times else 0.0,
    }


# -- crash ----------------------------------------------------------------------------------------------------


def start_bot(url: str, base_url: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHIBO_")}
    env.update(
        CHIBO_DATABASE_URL=url, CHIBO_TELEGRAM_TOKEN=TOKEN, CHIBO_TELEGRAM_BASE_URL=base_url, CHIBO_LOG_LEVEL="WARNING"
    )
    log = open(cwd / "bot.log", "ab")  # noqa: SIM115 — the child keeps it
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT, stdout=log, stderr=log)


def crash_run(db_url: str, members: int, limit: int, kills: int, seed: int, tmp: Path) -> dict[str, Any]:
    from bench.bench_broadcast import populate

    fake, schema = Fake(limit), Schema(db_url)
    try:
        app = app_for(schema.url, fake.base_url)
        secretary = populate(app, members)
        app.broadcasts.broadcast(secretary, NOTICE, token="bench")
        t0 = time.time()
        bot = start_bot(schema.url, fake.base_url, tmp)
        rng = random.Random(seed)
        killed_at = []
        for _ in range(kills):
            time.sleep(rng.uniform(3.0, 12.0))
            if open_rows(app) == 0:
                break
            bot.send_signal(signal.SIGKILL)
            bot.wait()
            killed_at.append(time.time() - t0)
            bot = start_bot(schema.url, fake.base_url, tmp)
        deadline = time.time() + 600
        while open_rows(app) and time.time() < deadline:
            time.sleep(0.5)
        bot.send_signal(signal.SIGKILL)
        bot.wait()
        figures = count(fake.log(), members)
        figures["kills"] = len(killed_at)
        figures["killed_at_s"] = [round(k, 1) for k in killed_at]
        figures["done_s"] = figures["last_at"] - t0
        app.db.engine.dispose()
        return figures
    finally:
        fake.close()
        schema.drop()


# -- several instances -----------------------------------------------------------------------------------------


def worker(url: str, base_url: str, name: str) -> None:
    """One delivery process: the dispatcher and Bot the Telegram runner builds, ticking until the queue is empty."""
    from bot.channels.telegram.adapter import file_base_url
    from bot.channels.telegram.request import AiohttpRequest
    from bot.channels.telegram.sender import TelegramSender
    from bot.channels.telegram.tolerant import TolerantBot

    app = app_for(url, base_url)

    async def go() -> None:
        bot = TolerantBot(TOKEN, base_url=base_url, base_file_url=file_base_url(base_url), request=AiohttpRequest())
        async with bot:
            delivery = app.delivery({"telegram": TelegramSender(bot)}, name=name)
            idle = 0
            while idle < 6:  # a few empty ticks in a row: the others have the rest
                sent = await delivery.tick()
                idle = idle + 1 if not sent and open_rows(app) == 0 else 0
                await asyncio.sleep(0.5)

    asyncio.run(go())


def instances_run(db_url: str, members: int, limit: int, n: int) -> dict[str, Any]:
    from bot.storage.models import Outbox

    fake, schema = Fake(limit), Schema(db_url)
    try:
        app = app_for(schema.url, fake.base_url)
        now = datetime.now(UTC)
        with app.db.session() as s:
            s.execute(
                insert(Outbox),
                [{"dedup_key": f"b{i}", "member_id": None, "channel": "telegram", "chat_ref": str(1000 + i),
                  "kind": "broadcast", "text": f"📣 {NOTICE}", "buttons": [], "due_at": now, "status": "pending",
                  "attempts": 0} for i in range(members)],
            )  # fmt: skip
        t0 = time.time()
        command = [sys.executable, __file__, "worker", "--url", schema.url, "--base-url", fake.base_url, "--name"]
        procs = [subprocess.Popen([*command, f"bench-{i}"], cwd=ROOT) for i in range(n)]
        for p in procs:
            p.wait(900)
        log = fake.log()
        if os.environ.get("CHIBO_BENCH_LOG"):
            Path(os.environ["CHIBO_BENCH_LOG"]).write_text(json.dumps(log))
        figures = count(log, members)
        figures["instances"] = n
        figures["wall_s"] = time.time() - t0
        figures["per_10000_429"] = figures["refused_429"] * 10_000 / max(1, figures["attempts"])
        with app.db.session() as s:
            figures["by_instance"] = dict(
                s.execute(select(Outbox.claimed_by, func.count()).group_by(Outbox.claimed_by)).all()
            )
        app.db.engine.dispose()
        return figures
    finally:
        fake.close()
        schema.drop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["crash", "instances", "fake", "worker"])
    parser.add_argument("--members", type=int, default=0)
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--instances", type=int, nargs="*", default=[2, 3])
    parser.add_argument("--port-file", default="")
    parser.add_argument("--url", default="")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--name", default="")
    args = parser.parse_args()
    if args.mode == "fake":
        return serve_fake(args.limit, args.port_file)
    if args.mode == "worker":
        return worker(args.url, args.base_url, args.name)
    db_url = os.environ.get("CHIBO_BENCH_DATABASE_URL") or os.environ.get("CHIBO_TEST_DATABASE_URL")
    if not db_url:
        sys.exit("CHIBO_TEST_DATABASE_URL (or CHIBO_BENCH_DATABASE_URL): a PostgreSQL database to make schemas in")
    if args.mode == "crash":
        import tempfile

        members = args.members or 2000
        with tempfile.TemporaryDirectory() as tmp:
            calm = crash_run(db_url, members, args.limit, 0, args.seed, Path(tmp))
            print("no crash:", json.dumps(calm), flush=True)
            crashed = crash_run(db_url, members, args.limit, args.kills, args.seed, Path(tmp))
            print("crashes: ", json.dumps(crashed), flush=True)
        print(
            f"{members} members, {crashed['kills']} kills at {crashed['killed_at_s']} s: lost {crashed['lost']}, "
            f"received twice {crashed['members_twice']} "
            f"(at most {4 * crashed['kills']} allowed: 4 in flight per kill); "
            f"done after {crashed['done_s']:.0f} s against {calm['done_s']:.0f} s without a crash "
            f"(+{crashed['done_s'] - calm['done_s']:.0f} s)"
        )
        return
    for n in args.instances:
        f = instances_run(db_url, args.members or 3000, args.limit, n)
        print(json.dumps(f), flush=True)
        print(
            f"{n} instances, {args.members or 3000} messages: lost {f['lost']}, duplicated {f['duplicated']}, busiest "
            f"second {f['busiest_second']} (limit {args.limit}), 429s {f['refused_429']} "
            f"({f['per_10000_429']:.1f} per 10,000), combined {f['rate']:.2f}/s = {f['rate'] / args.limit:.3f} of "
            f"{args.limit}/s, by instance {f['by_instance']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
