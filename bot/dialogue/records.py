"""Questions about the asker's own schedule and duties, answered from their records before the study
materials: "khi nào họp chi bộ", "hội nghị ngày mai mấy giờ, ở đâu", "tôi đã nộp bài thu hoạch chưa", "tôi đã
làm bài kiểm tra chưa"; for a secretary "ai chưa nộp bài thu hoạch", "ai chưa làm bài kiểm tra", "bao nhiêu
người đã xác nhận dự hội nghị".

Recognition is ``bot.text.personal``. A question explicitly about the asker is answered from their records
even when these hold nothing (and the plan's answer follows, if it has one); a general one ("hạn nộp bài thu
hoạch là ngày nào") only when the cell has a matching event — the live event wins over plan text — otherwise
the study materials answer it. The replies carry the buttons that fit, packed with the event and quiz codecs.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.dialogue import buttons as bt
from bot.dialogue.contract import Button, Outcome, Reply
from bot.dialogue.core import Context, Feature
from bot.messages import vi
from bot.messages import vi_records as vr
from bot.services.policy import Actor, Denied
from bot.services.records import EventTopic, MyEvent, RecordsService
from bot.services.reminders import occurrence_key
from bot.text.personal import PersonalAsk, recognise

SHOWN = 3  # coming events shown in full; the rest of the next few listed in a line each
LISTED = 3


class RecordsFeature:
    def __init__(self, records: RecordsService, zone: ZoneInfo) -> None:
        self.records = records
        self.zone = zone

    def feature(self) -> Feature:
        return Feature(question=self.question)

    def question(self, ctx: Context, text: str) -> Outcome | None:
        ask = recognise(text)
        if ask is None:
            return None
        actor = ctx.actor
        if actor is None:
            return Outcome([Reply(vr.NOT_JOINED)]) if ask.personal else None
        if not ctx.msg.private and (ask.for_secretary or ask.topic in ("essay", "quiz")) and ask.personal:
            return Outcome([Reply(vi.PRIVATE_ONLY)])  # names and one's own results are not for the group
        if ask.for_secretary:
            return self._for_secretary(ask, actor)
        if ask.topic == "quiz":
            return self._quizzes(actor)
        topic: EventTopic = ask.topic  # type: ignore[assignment]
        return self._events(ctx, ask, actor, topic, text)

    # -- the member's own --------------------------------------------------------------------------------

    def _events(self, ctx: Context, ask: PersonalAsk, actor: Actor, topic: EventTopic, text: str) -> Outcome | None:
        today = self.records.today()
        day = None if ask.day is None else today + timedelta(days=int(ask.day == "tomorrow"))
        mine = self.records.my_events(actor, topic, day)
        if not mine:
            if not ask.personal:
                return None  # no live event: the plan answers
            replies = [Reply(vr.none_reply(topic, ask.day))]
            if topic != "meeting":  # the plan may say when, for the whole organisation
                content, answered = ctx.core.answer_from_content(ctx, text)
                if answered:
                    replies.append(content)
            return Outcome(replies)
        first = 1 if topic == "essay" else SHOWN  # one deadline in full; meetings a few
        shown, later = mine[:first], mine[first:][:LISTED]
        cards = [vr.event_card(m.event, m.answer, self.zone, today) for m in shown]
        text_out = vr.events_reply(topic, cards, [vr.later_line(m.event, self.zone) for m in later])
        return Outcome([Reply(text_out, self._buttons(shown))])

    def _buttons(self, shown: list[MyEvent]) -> tuple[Button, ...]:
        out: list[Button] = []
        many = len(shown) > 1
        for m in shown:
            e, key = m.event, occurrence_key(m.event.starts_at)
            suffix = f": {e.title[:30]}" if many else ""
            if e.kind == "deadline":
                if m.answer != "submitted":
                    out.append(Button(vr.SUBMITTED + suffix, bt.EVENT_SUBMITTED.pack(e.id, key)))
            else:
                out.append(Button(vr.ATTEND + suffix, bt.EVENT_ATTEND.pack(e.id, key)))
                if not many:
                    out.append(Button(vr.ABSENT, bt.EVENT_ABSENT.pack(e.id, key)))
        return tuple(out)

    def _quizzes(self, actor: Actor) -> Outcome:
        assigned = self.records.my_quizzes(actor)
        if not assigned:
            return Outcome([Reply(vr.NO_QUIZZES)])
        today = self.records.today()
        lines = [vr.QUIZ_HEAD]
        buttons = []
        for i, a in enumerate(assigned, 1):
            limit = a.quiz.max_attempts
            lines.append(
                vr.quiz_line(
                    i,
                    a.quiz.title,
                    len(a.quiz.questions),
                    a.due_at,
                    a.best_score,
                    a.passed,
                    a.attempts,
                    limit,
                    a.active_attempt is not None,
                    self.zone,
                    today,
                )
            )
            if a.active_attempt is not None or limit is None or a.attempts < limit:
                buttons.append(Button(f"{vr.TAKE}: {a.quiz.title[:40]}", bt.QUIZ_START.pack(a.quiz.id)))
        return Outcome([Reply("\n".join(lines), tuple(buttons))])

    # -- the secretary's cell ----------------------------------------------------------------------------

    def _for_secretary(self, ask: PersonalAsk, actor: Actor) -> Outcome:
        if actor.role == "member":
            raise Denied(ask.topic)
        report = self.records.cell_report(actor)
        several = len(report.cells) > 1
        lines: list[str] = []
        now = self.records.today()
        if ask.topic == "who_no_essay":
            essays = {
                m.event.id for m in self.records.my_events(actor, "essay")
            }  # the coming essay deadlines the secretary's cell is in the audience of
            for cell in report.cells:
                for d in cell.deadlines:
                    if d.event_id in essays:
                        due = vr.local(d.due_at, self.zone, False)
                        lines.append(
                            vr.essay_missing(
                                cell.name if several else None, d.title, due, len(d.submitted), d.total, d.missing
                            )
                        )
            return Outcome([Reply("\n".join(lines) or vr.NO_ESSAY_DEADLINE)])
        if ask.topic == "who_no_quiz":
            for cell in report.cells:
                for q in cell.quizzes:
                    lines.append(
                        vr.quiz_missing(
                            cell.name if several else None, q.title, q.completed, q.total, q.passed, q.missing
                        )
                    )
            return Outcome([Reply("\n".join(lines) or vr.NO_QUIZ_ASSIGNED)])
        coming = self.records.my_events(actor, "conference")
        if ask.day is not None:
            day = now + timedelta(days=int(ask.day == "tomorrow"))
            coming = [m for m in coming if m.event.starts_at.astimezone(self.zone).date() == day]
        wanted = {m.event.id for m in coming[:1]}
        for cell in report.cells:
            for c in cell.conferences:
                if c.event_id in wanted:
                    at = vr.local(c.starts_at, self.zone)
                    lines.append(
                        vr.confirmed(
                            cell.name if several else None,
                            c.title,
                            at,
                            len(c.attend),
                            len(c.absent),
                            len(c.no_answer),
                            c.total,
                        )
                    )
        return Outcome([Reply("\n".join(lines) or vr.NO_CONFERENCE)])
