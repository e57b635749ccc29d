"""The channel-agnostic dialogue core: commands, questions, buttons, conversation state."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from bot.dialogue import buttons
from bot.dialogue.contract import Button, IncomingMessage, Outcome, Reply
from bot.knowledge.content import Entry
from bot.knowledge.scope import GUEST, Reach, Scoped
from bot.knowledge.search import SUGGEST_THRESHOLD, SearchIndex
from bot.messages import vi
from bot.services.org import OrgService
from bot.services.policy import Actor, Denied, may_use
from bot.services.qa import QAService
from bot.storage.conversations import ConversationStore
from bot.text.files import UnreadableFile
from bot.text.normalize import fold
from bot.text.sanitize import clean_line, clean_text

MAX_QUESTION_CHARS = 500
MAX_TEXT_CHARS = 20_000  # Telegram carries 4096, Zalo 2000: anything longer is cut before it is even cleaned
MAX_FILE_BYTES = 10 * 1024 * 1024  # as the Telegram channel: a file larger is not read on any channel
TERMS_PER_PAGE = 8
_COMMAND_RE = re.compile(r"^/(\w+)(?:@(\w+))?\s*(.*)$", re.DOTALL)
_CHOICE_RE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


@dataclass
class Context:
    """One incoming message being handled: the core, the message, who sent it, the conversation state."""

    core: DialogueCore
    msg: IncomingMessage
    state: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def actor(self) -> Actor | None:
        """Who sent the message, looked up when first needed (a plain question does not need it)."""
        org = self.core.org
        return org.actor_for(self.msg.channel, self.msg.user_ref) if org else None


Handler = Callable[[Context, str], Outcome]


@dataclass(frozen=True)
class Command:
    names: tuple[str, ...]
    handler: Handler
    level: str = "guest"  # the lowest role that may use it and sees it in help (bot.services.policy.may_use)
    help: str = ""  # one line for /huongdan: "/lenh <tham số> — việc nó làm"
    private: bool = False  # lists names or changes membership: only in a private chat


@dataclass(frozen=True)
class Feature:
    """A group of commands, button kinds and multi-step flows plugged into the core."""

    commands: tuple[Command, ...] = ()
    # Prefix before ":" → handler of the whole data (read with a codec of bot/dialogue/buttons.py).
    buttons: dict[str, Handler] = field(default_factory=dict)
    flows: dict[str, Handler] = field(default_factory=dict)  # state["flow"] → handler of the next text
    # A file sent in a private chat; returns None for a file that is not its kind, so the next feature looks.
    attachment: Callable[[Context, str], Outcome | None] | None = None
    intercept: Callable[[Context, str], Outcome | None] | None = None  # plain text, before it is a question
    # A question (typed, or after /hoi) before the content answers it: the asker's own records; None to let
    # the content answer.
    question: Callable[[Context, str], Outcome | None] | None = None
    # Deep links ("/start <payload>", a Telegram t.me link): payload prefix → handler of the whole payload.
    # The longest claimed prefix wins; "" claims every payload no other feature claims.
    deep_links: dict[str, Handler] = field(default_factory=dict)


CORE_BUTTONS = frozenset(
    kind.prefix for kind in (buttons.ENTRY, buttons.ENTRY_BY_HASH, buttons.FEEDBACK, buttons.TERM_PAGE)
)


ASKED = "asked"  # state key: the question-log ids of the answers shown to this person in this chat
ASKED_KEPT = 20


def _remember_answers(state: dict[str, Any], outcome: Outcome) -> None:
    """Feedback buttons belong to the person the answer was shown to, in the chat it was shown in: the
    conversation state (one per chat and person) keeps the last answers' log ids, and only those take
    feedback."""
    shown = [
        values[0]
        for r in outcome.replies
        for b in r.buttons
        if b.data.endswith(":u") and (values := buttons.FEEDBACK.unpack(b.data)) is not None
    ]
    if shown:
        kept = [i for i in state.get(ASKED, ()) if isinstance(i, int) and i not in shown]
        state[ASKED] = (kept + shown)[-ASKED_KEPT:]


def safe_message(msg: IncomingMessage) -> IncomingMessage:
    """The message with control, bidi and invisible characters removed from everything a person supplied
    (bot/text/sanitize.py), so no service ever sees them."""
    attachment = msg.attachment
    if attachment is not None:
        attachment = dataclasses.replace(attachment, filename=clean_line(attachment.filename)[:200] or "tep")
    return dataclasses.replace(
        msg,
        text=clean_text(msg.text[:MAX_TEXT_CHARS]),
        button=None if msg.button is None else clean_line(msg.button),
        display_name=clean_line(msg.display_name)[:100],
        attachment=attachment,
    )


def entry_button_data(entry: Entry) -> str:
    """Callback data naming an entry, within Telegram's 64 bytes however long the id."""
    if buttons.ENTRY.unpack(f"a:{entry.id}") is not None:
        return buttons.ENTRY.pack(entry.id)
    return buttons.ENTRY_BY_HASH.pack(_short_hash(entry.id))


def _short_hash(entry_id: str) -> str:
    return hashlib.sha1(entry_id.encode()).hexdigest()[:16]


class DialogueCore:
    """Turns one incoming message into replies. Knows nothing of the channel that carried it."""

    def __init__(
        self,
        qa: QAService,
        conversations: ConversationStore,
        bot_username: str = "",
        *,
        org: OrgService | None = None,
        features: tuple[Feature, ...] = (),
    ) -> None:
        self.qa = qa
        self.conversations = conversations
        self.org = org
        self.bot_username = bot_username.lower()
        self.commands: list[Command] = []
        self._commands: dict[str, Command] = {}
        self._buttons: dict[str, Handler] = {}
        self._deep_links: dict[str, Handler] = {}
        self._flows: dict[str, Handler] = {}
        self._attachments: list[Callable[[Context, str], Outcome | None]] = []
        self._intercepts: list[Callable[[Context, str], Outcome | None]] = []
        self._questions: list[Callable[[Context, str], Outcome | None]] = []
        for feature in (Feature(COMMANDS), *features):
            self.commands.extend(feature.commands)
            for command in feature.commands:
                for name in command.names:
                    assert name not in self._commands, f"command /{name} registered twice"
                    self._commands[name] = command
            for prefix, handler in feature.buttons.items():
                if prefix in self._buttons or prefix in CORE_BUTTONS:
                    raise ValueError(f"button prefix {prefix!r} registered twice")
                self._buttons[prefix] = handler
            for payload, handler in feature.deep_links.items():
                if payload in self._deep_links:
                    raise ValueError(f"deep link prefix {payload!r} claimed twice")
                self._deep_links[payload] = handler
            self._flows.update(feature.flows)
            if feature.attachment is not None:
                self._attachments.append(feature.attachment)
            if feature.intercept is not None:
                self._intercepts.append(feature.intercept)
            if feature.question is not None:
                self._questions.append(feature.question)

    @property
    def index(self) -> SearchIndex:
        return self.qa.index

    def handle(self, msg: IncomingMessage) -> Outcome:
        if not msg.private and not msg.addressed:
            return Outcome()
        msg = safe_message(msg)
        state = self.conversations.load(msg.channel, msg.chat_ref, msg.user_ref)
        ctx = Context(self, msg, copy.deepcopy(state))
        button = msg.button
        if button is None and msg.numbered and (m := _CHOICE_RE.match(msg.text)) and state.get("choices"):
            choices = state["choices"]
            n = int(m[1])
            if 1 <= n <= len(choices):
                button = choices[n - 1]
        try:
            if button is not None:
                outcome = self._press(ctx, button)
            else:
                outcome = self._text(ctx)
        except Denied:
            outcome = Outcome([Reply(vi.DENIED)])
        _remember_answers(ctx.state, outcome)
        # New replies replace the numbered choices; a press answered only by a notice (feedback) leaves the
        # buttons on screen, so their numbers stay valid.
        if outcome.replies and msg.numbered:
            choices = [b.data for r in outcome.replies for b in r.buttons]
            if choices or ctx.state.get("choices"):
                ctx.state["choices"] = choices
        if ctx.state != state:
            self.conversations.save(msg.channel, msg.chat_ref, msg.user_ref, ctx.state)
        return outcome

    # -- text and commands -------------------------------------------------------------------------------

    def _text(self, ctx: Context) -> Outcome:
        msg = ctx.msg
        text = msg.text.strip()
        if msg.attachment is not None:  # a caption on a file is not a question
            if msg.private:
                if len(msg.attachment.content) > MAX_FILE_BYTES:
                    return Outcome([Reply(vi.FILE_TOO_LARGE)])
                try:
                    for handler in self._attachments:
                        if (outcome := handler(ctx, "")) is not None:
                            return outcome
                except UnreadableFile as exc:  # empty, not text, an encoding not known: said plainly
                    return Outcome([Reply(vi.UNREADABLE_FILE[exc.reason].format(name=msg.attachment.filename))])
                return Outcome([Reply(vi.FILE_NOT_EXPECTED)])
            return Outcome([Reply(vi.NOT_TEXT)])
        m = _COMMAND_RE.match(text)
        if m:
            name, target, args = m[1].lower(), (m[2] or "").lower(), m[3].strip()
            if target and self.bot_username and target != self.bot_username:
                return Outcome()  # a command for another bot in the group
            command = self._commands.get(name)
            if command is None:
                return Outcome([Reply(vi.UNKNOWN_COMMAND.format(command=name))])
            ctx.state.pop("flow", None)  # a command ends any step-by-step exchange
            if command.private and not msg.private:
                return Outcome([Reply(vi.PRIVATE_ONLY)])
            if not may_use(ctx.actor, command.level):
                return Outcome([Reply(vi.NOT_JOINED if ctx.actor is None else vi.DENIED)])
            return command.handler(ctx, args)
        flow = ctx.state.get("flow")
        if isinstance(flow, dict) and flow.get("name") in self._flows:
            return self._flows[flow["name"]](ctx, text)
        for intercept in self._intercepts:
            if (outcome := intercept(ctx, text)) is not None:
                return outcome
        if self.bot_username:
            text = re.sub(rf"@{re.escape(self.bot_username)}\b", " ", text, flags=re.IGNORECASE).strip()
        return self.answer(msg, text)

    def help_text(self, ctx: Context) -> str:
        lines = [c.help for c in self.commands if c.help and may_use(ctx.actor, c.level)]
        return vi.help_text(lines)

    def answer(self, msg: IncomingMessage, question: str) -> Outcome:
        question = question[:MAX_QUESTION_CHARS]
        if not question.strip():
            return Outcome([Reply(vi.EMPTY)])
        ctx = Context(self, msg)
        for hook in self._questions:
            if (outcome := hook(ctx, question)) is not None:
                return outcome
        return Outcome([self.answer_from_content(ctx, question)[0]])

    def answer_from_content(self, ctx: Context, question: str) -> tuple[Reply, bool]:
        """The study materials' reply for this asker, and whether it answers (rather than refuses)."""
        reach = self.reach(ctx)
        scoped, log_id = self.qa.ask_as(question, ctx.msg.channel, reach)
        return self._card(scoped, log_id, reach), scoped.answered

    def reach(self, ctx: Context) -> Reach:
        """Whose content is the asker's own: national, and their organisation chain's (a guest: none)."""
        actor = ctx.actor
        if actor is None or self.org is None:
            return GUEST
        return Reach(self.org.reach(actor))

    def _card(self, scoped: Scoped, log_id: int, reach: Reach) -> Reply:
        result = scoped.result
        if result.answered and result.best is not None:
            related = [h.entry for h in result.hits[1:] if h.score >= SUGGEST_THRESHOLD][:3]
            return self._answer_card(result.best.entry, log_id, related, reach)
        if result.reason == "chatter":
            return Reply(vi.chatter(result.normalized))
        if result.reason == "empty":
            return Reply(vi.EMPTY)
        suggestions = [h.entry for h in scoped.suggestions]
        foreign = [not reach.owns(e) for e in suggestions]
        return Reply(
            vi.refusal(suggestions, ambiguous=result.reason == "ambiguous", foreign=foreign),
            buttons=tuple(
                Button(vi.suggestion_label(e, foreign=f), entry_button_data(e))
                for e, f in zip(suggestions, foreign, strict=True)
            ),
        )

    def _answer_card(self, entry: Entry, log_id: int, related: list[Entry], reach: Reach = GUEST) -> Reply:
        choices = [Button(vi.suggestion_label(e, foreign=not reach.owns(e)), entry_button_data(e)) for e in related]
        choices += [
            Button(vi.USEFUL, buttons.FEEDBACK.pack(log_id, "u")),
            Button(vi.NOT_RIGHT, buttons.FEEDBACK.pack(log_id, "d")),
        ]
        text = vi.answer(entry, foreign=not reach.owns(entry), joined=reach.joined)
        return Reply(text, buttons=tuple(choices))

    # -- buttons -----------------------------------------------------------------------------------------

    def _press(self, ctx: Context, data: str) -> Outcome:
        msg = ctx.msg
        if buttons.read(data) is None:
            return Outcome()  # forged, malformed or out of range: not understood, and nothing is said
        prefix = data.partition(":")[0]
        if prefix in self._buttons:
            return self._buttons[prefix](ctx, data)
        if (key := buttons.ENTRY.unpack(data)) is not None or (key := buttons.ENTRY_BY_HASH.unpack(data)):
            entry = self._entry_for(prefix, key[0])
            if entry is None:
                return Outcome([Reply(vi.STALE_BUTTON)])
            log_id = self.qa.choose(entry, msg.channel)
            return Outcome([self._answer_card(entry, log_id, [], self.reach(ctx))])
        if (feedback := buttons.FEEDBACK.unpack(data)) is not None:
            log_id, value = feedback
            if log_id not in ctx.state.get(ASKED, ()):
                return Outcome()  # not an answer given to this person in this chat: nothing happens
            fresh = self.qa.feedback(log_id, "useful" if value == "u" else "wrong")
            return Outcome(notice=vi.THANKS_FEEDBACK if fresh else vi.FEEDBACK_ALREADY)
        if (page := buttons.TERM_PAGE.unpack(data)) is not None:
            return Outcome([self._term_page(page[0], edit=True)])
        return Outcome([Reply(vi.STALE_BUTTON)])

    def _entry_for(self, prefix: str, key: str) -> Entry | None:
        for entry in self.index.entries:
            if (prefix == "a" and entry.id == key) or (prefix == "h" and _short_hash(entry.id) == key):
                return entry
        return None

    def deep_link(self, ctx: Context, payload: str) -> Outcome | None:
        """The feature that claimed the longest prefix of ``payload`` answers it; None when none did."""
        for prefix in sorted(self._deep_links, key=len, reverse=True):
            if payload.startswith(prefix):
                return self._deep_links[prefix](ctx, payload)
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
        choices = [Button(e.title, entry_button_data(e)) for e in chunk]
        if page > 1:
            choices.append(Button(vi.PREVIOUS_PAGE, buttons.TERM_PAGE.pack(page - 1)))
        if page < pages:
            choices.append(Button(vi.NEXT_PAGE, buttons.TERM_PAGE.pack(page + 1)))
        return Reply(vi.TERM_LIST.format(page=page, pages=pages), buttons=tuple(choices), edit=edit)

    def term(self, ctx: Context, word: str) -> Outcome:
        msg = ctx.msg
        if not word:
            return Outcome([self._term_page(1)])
        reach = self.reach(ctx)
        wanted = " ".join(fold(word).split())
        matches = [e for e in self.terms() if any(wanted in " ".join(fold(k).split()) for k in e.keys)]
        if len(matches) == 1:
            log_id = self.qa.choose(matches[0], msg.channel)
            return Outcome([self._answer_card(matches[0], log_id, [], reach)])
        if len(matches) > 1:
            return Outcome(
                [
                    Reply(
                        vi.TERM_CHOOSE.format(count=len(matches), word=word),
                        buttons=tuple(
                            Button(
                                vi.term_label(e, foreign=not reach.owns(e)),
                                entry_button_data(e),
                            )
                            for e in matches[:TERMS_PER_PAGE]
                        ),
                    )
                ]
            )
        scoped, log_id = self.qa.ask_as(f"{word} là gì", msg.channel, reach)
        result = scoped.result
        if result.answered and result.best is not None and result.best.entry.kind == "term":
            return Outcome([self._answer_card(result.best.entry, log_id, [], reach)])
        return Outcome([Reply(vi.TERM_NOT_FOUND.format(word=word))])


def _start(ctx: Context, args: str) -> Outcome:
    # "/start <payload>" is how a Telegram deep link arrives (an invite link: joining claims those).
    if args and (outcome := ctx.core.deep_link(ctx, args)) is not None:
        return outcome
    name = f" {ctx.msg.display_name}" if ctx.msg.display_name else ""
    return Outcome([Reply(vi.WELCOME.format(name=name))])


def _help(ctx: Context, args: str) -> Outcome:
    return Outcome([Reply(ctx.core.help_text(ctx))])


def _ask(ctx: Context, args: str) -> Outcome:
    if not args:
        return Outcome([Reply(vi.ASK_WHAT)])
    return ctx.core.answer(ctx.msg, args)


def _term(ctx: Context, args: str) -> Outcome:
    return ctx.core.term(ctx, args)


# Vietnamese commands first, then short aliases.
COMMANDS: tuple[Command, ...] = (
    Command(("start", "batdau"), _start, help="/start — giới thiệu"),
    Command(("huongdan", "hd", "help", "trogiup"), _help, help="/huongdan — xem hướng dẫn này"),
    Command(("hoi", "h", "ask"), _ask, help="/hoi <câu hỏi> — hỏi về tài liệu học tập (hoặc gõ thẳng câu hỏi)"),
    Command(
        ("thuatngu", "tn", "tu"), _term, help="/thuatngu [từ] — giải thích một thuật ngữ, hoặc xem danh sách thuật ngữ"
    ),
)
