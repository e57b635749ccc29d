"""The channel-agnostic dialogue core: commands, questions, buttons, conversation state."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.dialogue.contract import Button, IncomingMessage, Outcome, Reply
from bot.knowledge.content import Entry
from bot.knowledge.search import SUGGEST_THRESHOLD, SearchIndex, SearchResult
from bot.messages import vi
from bot.services.conversations import ConversationStore
from bot.services.qa import QAService
from bot.text.normalize import fold

MAX_QUESTION_CHARS = 500
TERMS_PER_PAGE = 8
_COMMAND_RE = re.compile(r"^/(\w+)(?:@(\w+))?\s*(.*)$", re.DOTALL)
_CHOICE_RE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")

Handler = Callable[["DialogueCore", IncomingMessage, str], Outcome]


@dataclass(frozen=True)
class Command:
    names: tuple[str, ...]
    handler: Handler


def entry_button_data(entry: Entry) -> str:
    """Callback data naming an entry, within Telegram's 64 bytes however long the id."""
    data = f"a:{entry.id}"
    return data if len(data.encode()) <= 64 else "h:" + _short_hash(entry.id)


def _short_hash(entry_id: str) -> str:
    return hashlib.sha1(entry_id.encode()).hexdigest()[:16]


class DialogueCore:
    """Turns one incoming message into replies. Knows nothing of the channel that carried it."""

    def __init__(self, qa: QAService, conversations: ConversationStore, bot_username: str = "") -> None:
        self.qa = qa
        self.conversations = conversations
        self.bot_username = bot_username.lower()
        self._commands: dict[str, Handler] = {}
        for command in COMMANDS:
            for name in command.names:
                self._commands[name] = command.handler

    @property
    def index(self) -> SearchIndex:
        return self.qa.index

    def handle(self, msg: IncomingMessage) -> Outcome:
        if not msg.private and not msg.addressed:
            return Outcome()
        state = self.conversations.load(msg.channel, msg.chat_ref, msg.user_ref)
        button = msg.button
        if button is None and (m := _CHOICE_RE.match(msg.text)) and state.get("choices"):
            choices = state["choices"]
            n = int(m[1])
            if 1 <= n <= len(choices):
                button = choices[n - 1]
        if button is not None:
            outcome = self._press(msg, button)
        else:
            outcome = self._text(msg)
        choices = [b.data for r in outcome.replies for b in r.buttons]
        if choices or state.get("choices"):
            self.conversations.save(msg.channel, msg.chat_ref, msg.user_ref, {**state, "choices": choices})
        return outcome

    # -- text and commands -------------------------------------------------------------------------------

    def _text(self, msg: IncomingMessage) -> Outcome:
        text = msg.text.strip()
        if msg.attachment is not None and not text:
            return Outcome([Reply(vi.NOT_TEXT)])
        m = _COMMAND_RE.match(text)
        if m:
            name, target, args = m[1].lower(), (m[2] or "").lower(), m[3].strip()
            if target and self.bot_username and target != self.bot_username:
                return Outcome()  # a command for another bot in the group
            handler = self._commands.get(name)
            if handler is None:
                return Outcome([Reply(vi.UNKNOWN_COMMAND.format(command=name))])
            return handler(self, msg, args)
        if self.bot_username:
            text = re.sub(rf"@{re.escape(self.bot_username)}\b", " ", text, flags=re.IGNORECASE).strip()
        return self.answer(msg, text)

    def answer(self, msg: IncomingMessage, question: str) -> Outcome:
        question = question[:MAX_QUESTION_CHARS]
        if not question.strip():
            return Outcome([Reply(vi.EMPTY)])
        result, log_id = self.qa.ask(question, msg.channel)
        return Outcome([self._card(result, log_id)])

    def _card(self, result: SearchResult, log_id: int) -> Reply:
        if result.answered and result.best is not None:
            related = [h.entry for h in result.hits[1:] if h.score >= SUGGEST_THRESHOLD][:3]
            return self._answer_card(result.best.entry, log_id, related)
        if result.reason == "chatter":
            return Reply(vi.chatter(result.normalized))
        if result.reason == "empty":
            return Reply(vi.EMPTY)
        suggestions = [h.entry for h in result.suggestions]
        return Reply(
            vi.refusal(suggestions, ambiguous=result.reason == "ambiguous"),
            buttons=tuple(Button(vi.suggestion_label(e), entry_button_data(e)) for e in suggestions),
        )

    def _answer_card(self, entry: Entry, log_id: int, related: list[Entry]) -> Reply:
        buttons = [Button(vi.suggestion_label(e), entry_button_data(e)) for e in related]
        buttons += [Button(vi.USEFUL, f"f:{log_id}:u"), Button(vi.NOT_RIGHT, f"f:{log_id}:d")]
        return Reply(vi.answer(entry), buttons=tuple(buttons))

    # -- buttons -----------------------------------------------------------------------------------------

    def _press(self, msg: IncomingMessage, data: str) -> Outcome:
        kind, _, rest = data.partition(":")
        if kind in {"a", "h"}:
            entry = self._entry_for(kind, rest)
            if entry is None:
                return Outcome([Reply(vi.STALE_BUTTON)])
            log_id = self.qa.choose(entry, msg.channel)
            return Outcome([self._answer_card(entry, log_id, [])])
        if kind == "f":
            log_part, _, value = rest.partition(":")
            if not log_part.isdigit() or value not in {"u", "d"}:
                return Outcome([Reply(vi.STALE_BUTTON)])
            fresh = self.qa.feedback(int(log_part), "useful" if value == "u" else "wrong")
            return Outcome(notice=vi.THANKS_FEEDBACK if fresh else vi.FEEDBACK_ALREADY)
        if kind == "t" and rest.isdigit():
            return Outcome([self._term_page(int(rest), edit=True)])
        return Outcome([Reply(vi.STALE_BUTTON)])

    def _entry_for(self, kind: str, key: str) -> Entry | None:
        for entry in self.index.entries:
            if (kind == "a" and entry.id == key) or (kind == "h" and _short_hash(entry.id) == key):
                return entry
        return None

    # -- terms -------------------------------------------------------------------------------------------

    def terms(self) -> list[Entry]:
        return sorted((e for e in self.index.entries if e.kind == "term"), key=lambda e: fold(e.title))

    def _term_page(self, page: int, *, edit: bool = False) -> Reply:
        terms = self.terms()
        if not terms:
            return Reply(vi.TERM_LIST_EMPTY)
        pages = (len(terms) + TERMS_PER_PAGE - 1) // TERMS_PER_PAGE
        page = min(max(page, 1), pages)
        chunk = terms[(page - 1) * TERMS_PER_PAGE : page * TERMS_PER_PAGE]
        buttons = [Button(e.title, entry_button_data(e)) for e in chunk]
        if page > 1:
            buttons.append(Button(vi.PREVIOUS_PAGE, f"t:{page - 1}"))
        if page < pages:
            buttons.append(Button(vi.NEXT_PAGE, f"t:{page + 1}"))
        return Reply(vi.TERM_LIST.format(page=page, pages=pages), buttons=tuple(buttons), edit=edit)

    def term(self, msg: IncomingMessage, word: str) -> Outcome:
        if not word:
            return Outcome([self._term_page(1)])
        wanted = " ".join(fold(word).split())
        matches = [e for e in self.terms() if any(wanted in " ".join(fold(k).split()) for k in e.keys)]
        if len(matches) == 1:
            log_id = self.qa.choose(matches[0], msg.channel)
            return Outcome([self._answer_card(matches[0], log_id, [])])
        if len(matches) > 1:
            return Outcome(
                [
                    Reply(
                        vi.TERM_CHOOSE.format(count=len(matches), word=word),
                        buttons=tuple(Button(e.title, entry_button_data(e)) for e in matches[:TERMS_PER_PAGE]),
                    )
                ]
            )
        result, log_id = self.qa.ask(f"{word} là gì", msg.channel)
        if result.answered and result.best is not None and result.best.entry.kind == "term":
            return Outcome([self._answer_card(result.best.entry, log_id, [])])
        return Outcome([Reply(vi.TERM_NOT_FOUND.format(word=word))])


def _start(core: DialogueCore, msg: IncomingMessage, args: str) -> Outcome:
    name = f" {msg.display_name}" if msg.display_name else ""
    return Outcome([Reply(vi.WELCOME.format(name=name))])


def _help(core: DialogueCore, msg: IncomingMessage, args: str) -> Outcome:
    return Outcome([Reply(vi.HELP)])


def _ask(core: DialogueCore, msg: IncomingMessage, args: str) -> Outcome:
    if not args:
        return Outcome([Reply(vi.ASK_WHAT)])
    return core.answer(msg, args)


def _term(core: DialogueCore, msg: IncomingMessage, args: str) -> Outcome:
    return core.term(msg, args)


# Vietnamese commands first, then short aliases.
COMMANDS: tuple[Command, ...] = (
    Command(("start", "batdau"), _start),
    Command(("huongdan", "hd", "help", "trogiup"), _help),
    Command(("hoi", "h", "ask"), _ask),
    Command(("thuatngu", "tn", "tu"), _term),
)
