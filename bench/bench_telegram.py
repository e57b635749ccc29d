"""Questions answered per second end to end through the Telegram adapter, beside the core and the engine.

    .venv/bin/python bench/bench_telegram.py [--questions 300] [--repeats 3]

The real python-telegram-bot Application polls the fake Bot API server of the tests (127.0.0.1) on a SQLite
file database with the bundled content; questions come from 10 chats at once; a question counts as answered
when its reply reaches the fake server. In the same run: the dialogue core alone (``core.handle``, with the
question log on the same kind of database) and the engine alone (``SearchIndex.search``). Medians of repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.bootstrap import build_app  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.dialogue.contract import IncomingMessage  # noqa: E402
from bot.knowledge.evaluation import load_cases  # noqa: E402
from tests.botrunner import RunningBot  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    pool = [c.question for c in load_cases(ROOT / "tests" / "eval" / "dev.yaml")]
    questions = [pool[i % len(pool)] for i in range(args.questions)]
    rates: dict[str, list[float]] = {"engine": [], "core": [], "telegram": []}
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as tg:
            settings = load_settings(
                _env_file=None,
                database_url=f"sqlite:///{tmp}/bench.db",
                telegram_token=tg.token,
                telegram_base_url=tg.base_url,
            )
            app = build_app(settings)
            index = app.knowledge.index
            t0 = time.perf_counter()
            for q in questions:
                index.search(q)
            rates["engine"].append(len(questions) / (time.perf_counter() - t0))
            core = app.core()
            t0 = time.perf_counter()
            for i, q in enumerate(questions):
                core.handle(IncomingMessage("bench", str(i % 10), str(i % 10), text=q))
            rates["core"].append(len(questions) / (time.perf_counter() - t0))
            with RunningBot(app, tg.base_url):
                tg.user_says("khởi động", user_id=999)
                tg.wait_sent(1, chat_id=999, timeout=30)
                t0 = time.perf_counter()
                for i, q in enumerate(questions):
                    tg.user_says(q, user_id=1 + i % 10)
                tg.wait_for(lambda t: len(t.sent()) >= len(questions) + 1, timeout=300)
                rates["telegram"].append(len(questions) / (time.perf_counter() - t0))
    med = {k: statistics.median(v) for k, v in rates.items()}
    added_ms = (1 / med["telegram"] - 1 / med["core"]) * 1000
    print(f"{len(questions)} questions from 10 chats, median of {args.repeats} runs\n")
    print("| path | questions per second | ms per question |")
    print("|---|---|---|")
    for name, label in (("engine", "engine alone"), ("core", "dialogue core + SQLite log"),
                        ("telegram", "Telegram adapter, fake Bot API, end to end")):  # fmt: skip
        print(f"| {label} | {med[name]:.0f} | {1000 / med[name]:.2f} |")
    print(f"\nadded by the Telegram adapter: {added_ms:.2f} ms per question")


if __name__ == "__main__":
    main()
