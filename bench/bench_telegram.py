"""Questions answered per second end to end through the Telegram adapter, beside the core and the engine.

    .venv/bin/python bench/bench_telegram.py [--questions 300] [--repeats 3]

The real python-telegram-bot Application polls the fake Bot API server of the tests (127.0.0.1) on a SQLite
file database with the bundled content; questions come from 10 chats at once; a question counts as answered
when its reply reaches the fake server. The fake server runs once in the benchmark's own process (it then
shares the interpreter lock with the bot, which inflates the adapter's cost) and once in a process of its own,
as the real Telegram server would be. In the same run: the dialogue core alone (``core.handle``, with the
question log on the same kind of database), the engine alone (``SearchIndex.search``), and the library's own
floor: a bare python-telegram-bot handler that sends each text back, with PTB's default networking (httpx)
and with the bot's (aiohttp, bot/channels/telegram/request.py). Medians of repeats.
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
from bot.channels.telegram.adapter import _html_parts  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.dialogue.contract import IncomingMessage, Reply  # noqa: E402
from bot.dialogue.core import DialogueCore  # noqa: E402
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
    rates: dict[str, list[float]] = {
        "engine": [], "core": [], "telegram": [], "telegram_apart": [], "echo": [], "echo_aiohttp": [], "echo_card": []
    }  # fmt: skip
    card: Reply | None = None
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
                # as the Telegram adapter hands a question over (its buttons are its own: numbered=False)
                core.handle(IncomingMessage("bench", str(i % 10), str(i % 10), text=q, numbered=False))
            rates["core"].append(len(questions) / (time.perf_counter() - t0))
            card = card or median_card(core, pool)
            with RunningBot(app, tg.base_url):
                tg.user_says("khởi động", user_id=999)
                tg.wait_sent(1, chat_id=999, timeout=30)
                t0 = time.perf_counter()
                for i, q in enumerate(questions):
                    tg.user_says(q, user_id=1 + i % 10)
                tg.wait_for(lambda t: len(t.sent()) >= len(questions) + 1, timeout=300)
                rates["telegram"].append(len(questions) / (time.perf_counter() - t0))
            rates["telegram_apart"].append(apart(settings.database_url, questions, tmp))
            rates["echo"].append(bare_echo(questions))
            rates["echo_aiohttp"].append(bare_echo(questions, aiohttp=True))
            rates["echo_card"].append(bare_echo(questions, aiohttp=True, card=card))
    med = {k: statistics.median(v) for k, v in rates.items()}
    added_ms = (1 / med["telegram"] - 1 / med["core"]) * 1000
    print(f"{len(questions)} questions from 10 chats, median of {args.repeats} runs\n")
    print("| path | questions per second | ms per question |")
    print("|---|---|---|")
    for name, label in (("engine", "engine alone"), ("core", "dialogue core + SQLite log"),
                        ("telegram", "Telegram adapter, fake Bot API in the same process"),
                        ("telegram_apart", "Telegram adapter, fake Bot API in its own process"),
                        ("echo", "baseline: bare python-telegram-bot echo handler, PTB's httpx, same fake server"),
                        ("echo_aiohttp", "baseline: the same echo handler, the bot's aiohttp networking"),
                        ("echo_card", "baseline: the same, replying with a bot-sized answer card")):  # fmt: skip
        print(f"| {label} | {med[name]:.0f} | {1000 / med[name]:.2f} |")
    apart_ms = (1 / med["telegram_apart"] - 1 / med["core"]) * 1000
    print(f"\nadded by the Telegram adapter: {added_ms:.2f} ms per question with the fake server in the same")
    print(f"process (sharing its interpreter lock), {apart_ms:.2f} ms with the fake server in its own process")


def median_card(core: DialogueCore, pool: list[str]) -> Reply:
    """The answer card of median length among the bot's replies to the questions, as the adapter sends it."""
    cards = []
    for q in pool:
        (reply,) = core.handle(IncomingMessage("bench", "card", "card", text=q, numbered=False)).replies
        if reply.buttons:
            cards.append(Reply(_html_parts(reply)[0], reply.buttons))
    cards.sort(key=lambda c: len(c.text))
    return cards[len(cards) // 2]


def bare_echo(questions: list[str], *, aiohttp: bool = False, card: Reply | None = None) -> float:
    """The library alone: an Application whose handler sends the text back, against the same fake server.

    With ``card``, it sends that reply instead (HTML, its buttons as an inline keyboard): the library's own
    cost for a reply the size of the bot's answers."""
    import asyncio
    import threading

    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        if card is None:
            await context.bot.send_message(update.message.chat.id, update.message.text)
            return
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)] for b in card.buttons])
        await context.bot.send_message(update.message.chat.id, card.text, parse_mode="HTML", reply_markup=keyboard)

    with FakeTelegram() as tg:
        ready = threading.Event()
        state: dict[str, object] = {}

        async def main() -> None:
            builder = ApplicationBuilder().token(tg.token).base_url(tg.base_url)
            if aiohttp:
                from bot.channels.telegram.request import AiohttpRequest

                builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(connection_pool_size=1))
            application = builder.build()
            application.add_handler(MessageHandler(filters.TEXT, echo))
            await application.initialize()
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0, timeout=1)
            stop = asyncio.Event()
            state["stop"], state["loop"] = stop, asyncio.get_running_loop()
            ready.set()
            await stop.wait()
            await application.updater.stop()
            await application.stop()
            await application.shutdown()

        thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
        thread.start()
        ready.wait(15)
        t0 = time.perf_counter()
        for i, q in enumerate(questions):
            tg.user_says(q, user_id=1 + i % 10)
        tg.wait_for(lambda t: len(t.sent()) >= len(questions), timeout=300)
        rate = len(questions) / (time.perf_counter() - t0)
        loop, stop = state["loop"], state["stop"]
        loop.call_soon_threadsafe(stop.set)  # type: ignore[attr-defined]
        thread.join(10)
        return rate


def apart(database_url: str, questions: list[str], tmp: str) -> float:
    """The same end-to-end run with the fake Bot API server in a separate process, as Telegram would be."""
    import json
    import subprocess
    import urllib.request

    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.telegram_api"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        control = base_url.rsplit("/bot", 1)[0] + "/_control/"

        def post(what: str, body: object = None) -> int:
            request = urllib.request.Request(control + what, data=json.dumps(body).encode(), method="POST")
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(json.loads(response.read())["result"])

        settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp}/apart.db",
                                 telegram_token="123456:TEST-TOKEN", telegram_base_url=base_url)  # fmt: skip
        app = build_app(settings)
        with RunningBot(app, base_url):
            post("say", [["khởi động", 999]])
            while post("sent") < 1:
                time.sleep(0.01)
            t0 = time.perf_counter()
            post("say", [[q, 1 + i % 10] for i, q in enumerate(questions)])
            while post("sent") < len(questions) + 1:
                time.sleep(0.02)
            return len(questions) / (time.perf_counter() - t0)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
