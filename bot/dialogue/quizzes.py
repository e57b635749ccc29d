"""Quizzes in chat: /kiemtra for members (take, resume), /giaobai for secretaries (assign with a deadline)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.dialogue import buttons as bt
from bot.dialogue.contract import Button, Outcome, Reply
from bot.dialogue.core import Command, Context, Feature
from bot.messages import vi_events as ve
from bot.services.org import OrgError
from bot.services.policy import Actor, Denied
from bot.services.quizzes import QuizService, Step
from bot.text.labels import shorten
from bot.text.when import WhenError, describe, parse_when

HELP_QUIZ = "/kiemtra — các bài tự kiểm tra chi bộ giao; làm bài, xem điểm"
HELP_ASSIGN = "/giaobai — giao bài kiểm tra cho chi bộ kèm hạn (tôi nhắc người chưa làm)"
NO_QUIZZES = "Chi bộ chưa giao bài kiểm tra nào. Khi có, tôi sẽ nhắc đồng chí."
ASSIGN_USAGE = "Giao bài: /giaobai <số bài> | <hạn>, ví dụ: /giaobai 1 | {deadline}. Các bài hiện có:"
ASSIGNED = "Đã giao “{title}” cho {unit}, hạn {due}. Tôi sẽ nhắc những đồng chí chưa làm."
NO_ATTEMPTS = "Đồng chí đã làm hết {limit} lần được phép của bài này."
EXPIRED = "Đã hết giờ làm bài. Kết quả được tính đến câu đồng chí đã trả lời."
ERRORS = {
    "unknown_quiz": "Không có bài kiểm tra này.",
    "unknown_attempt": "Không tìm thấy lượt làm bài này.",
    "no_attempts_left": NO_ATTEMPTS,
}
LETTERS = "ABCDEF"


def _error(exc: OrgError) -> str:
    return ERRORS.get(exc.reason, ve.error(exc.reason, **exc.details)).format(**exc.details)


class QuizzesFeature:
    def __init__(self, quizzes: QuizService, clock: Clock, zone: ZoneInfo, unit_name: object) -> None:
        self.quizzes = quizzes
        self.clock = clock
        self.zone = zone
        self.unit_name = unit_name

    def feature(self) -> Feature:
        return Feature(
            commands=(
                Command(("kiemtra", "kt", "tracnghiem"), self.list_quizzes, "member", HELP_QUIZ, private=True),
                Command(("giaobai", "gb"), self.assign, "secretary", HELP_ASSIGN, private=True),
            ),
            buttons={bt.QUIZ_START.prefix: self.button},
        )

    def _actor(self, ctx: Context) -> Actor:
        if ctx.actor is None:
            raise Denied("not_joined")
        return ctx.actor

    def _local(self, at: datetime | None) -> str:
        return f"{at.astimezone(self.zone):%d/%m/%Y}" if at else "không hạn"

    def list_quizzes(self, ctx: Context, args: str) -> Outcome:
        assigned = self.quizzes.assigned(self._actor(ctx))
        if not assigned:
            return Outcome([Reply(NO_QUIZZES)])
        lines, buttons = [], []
        for i, a in enumerate(assigned, 1):
            state = (
                "đang làm dở" if a.active_attempt else
                f"đã làm, cao nhất {a.best_score}/{len(a.quiz.questions)}" + (" — đạt" if a.passed else "")
                if a.best_score is not None else "chưa làm"
            )  # fmt: skip
            lines.append(f"{i}. {a.quiz.title} ({len(a.quiz.questions)} câu, hạn {self._local(a.due_at)}): {state}")
            label = "Làm tiếp" if a.active_attempt else ("Làm lại" if a.best_score is not None else "Làm bài")
            buttons.append(Button(shorten(f"{label}: {a.quiz.title}", 48), bt.QUIZ_START.pack(a.quiz.id)))
        return Outcome([Reply("\n".join(lines), tuple(buttons), title="Bài tự kiểm tra")])

    def assign(self, ctx: Context, args: str) -> Outcome:
        actor = self._actor(ctx)
        catalog = list(self.quizzes.catalog().values())
        parts = [p.strip() for p in args.split("|")]
        if len(parts) != 2 or not parts[0]:
            listing = "\n".join(f"{i}. {q.title} ({len(q.questions)} câu)" for i, q in enumerate(catalog, 1))
            today = self.clock.now().astimezone(self.zone).date()
            usage = ASSIGN_USAGE.format(deadline=ve.examples(today)[1])
            return Outcome([Reply(f"{usage}\n{listing}")])
        key = parts[0]
        quiz = catalog[int(key) - 1] if key.isdigit() and 1 <= int(key) <= len(catalog) else None
        quiz = quiz or next((q for q in catalog if q.id == key), None)
        if quiz is None:
            return Outcome([Reply(ERRORS["unknown_quiz"])])
        now = self.clock.now().astimezone(self.zone)
        try:
            due = parse_when(parts[1], today=now.date(), now=now.time().replace(tzinfo=None))
            self.quizzes.assign(actor, quiz.id, due)
        except WhenError as exc:
            return Outcome([Reply(ve.time_again(str(exc), now.date()))])
        except OrgError as exc:
            return Outcome([Reply(_error(exc))])
        unit = self.unit_name(actor) if callable(self.unit_name) else ""
        return Outcome([Reply(ASSIGNED.format(title=quiz.title, unit=unit, due=describe(due)))])

    def button(self, ctx: Context, data: str) -> Outcome:
        actor = self._actor(ctx)
        try:
            if (start := bt.QUIZ_START.unpack(data)) is not None:
                return self._show(self.quizzes.start(actor, start[0]))
            if (answer := bt.QUIZ_ANSWER.unpack(data)) is not None:
                try:
                    step = self.quizzes.answer(actor, *answer)
                except OrgError as exc:
                    if exc.reason == "unknown_attempt":
                        return Outcome()  # someone else's question, or a forged press: nothing happens
                    raise
                if step.ignored:
                    return Outcome(notice="Câu này đã trả lời rồi.")
                return self._show(step)
        except OrgError as exc:
            return Outcome([Reply(_error(exc))])
        return Outcome(notice=ve.EVENT_GONE)

    def _show(self, step: Step) -> Outcome:
        replies: list[Reply] = []
        if step.feedback is not None:
            right, answer, explanation = step.feedback
            head = "✅ Đúng." if right else f"❌ Chưa đúng. Đáp án: {answer}."
            replies.append(Reply(f"{head}\n{explanation}"))
        if step.expired:
            replies.append(Reply(EXPIRED))
        if step.finished:
            verdict = "Đạt" if step.passed else "Chưa đạt"
            replies.append(
                Reply(f"Kết quả “{step.quiz_title}”: {step.score}/{step.total} câu đúng — {verdict}.", title="Kết quả")
            )
            return Outcome(replies)
        assert step.question is not None
        head = "Làm tiếp. " if step.resumed else ""
        text = f"{head}Câu {step.position + 1}/{step.total}: {step.question.text}\n" + "\n".join(
            f"{LETTERS[i]}. {option}" for i, option in enumerate(step.options)
        )
        buttons = tuple(
            Button(shorten(f"{LETTERS[i]}. {option}", 64), bt.QUIZ_ANSWER.pack(step.attempt_id, step.position, i))
            for i, option in enumerate(step.options)
        )
        replies.append(Reply(text, buttons))
        return Outcome(replies)
