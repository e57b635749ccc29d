"""Reports for secretaries and the committee: quizzes, conference attendance and hand-ins per cell, with
totals, as a short message, an XLSX workbook and a PNG chart; and the questions the bot could not answer.

A secretary reports on their own cell, an admin on every cell of their subtree (checked here).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from bot.clock import Clock
from bot.domain.names import name_key as _name_key
from bot.services.events import EventService
from bot.services.org import OrgError
from bot.services.outbox import outbox_row, routes_for
from bot.services.policy import Actor, ensure_can
from bot.services.quizzes import QuizService
from bot.services.texts import MissingKind
from bot.storage.db import Database
from bot.storage.models import Event, EventResponse, Exemption, Member, Outbox, QuestionLog, Unit
from bot.text.cells import xlsx_row


@dataclass
class QuizFigure:
    quiz_id: str
    title: str
    total: int
    completed: int
    passed: int
    average: float | None  # average best score, in per cent
    missing: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.completed / self.total if self.total else 0.0


@dataclass
class ConferenceFigure:
    event_id: int
    title: str
    starts_at: datetime
    total: int
    attend: list[str] = field(default_factory=list)
    absent: list[tuple[str, str | None]] = field(default_factory=list)
    no_answer: list[str] = field(default_factory=list)


@dataclass
class DeadlineFigure:
    event_id: int
    title: str
    due_at: datetime
    total: int
    submitted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass
class CellReport:
    unit_id: int
    name: str
    members: int
    quizzes: list[QuizFigure] = field(default_factory=list)
    conferences: list[ConferenceFigure] = field(default_factory=list)
    deadlines: list[DeadlineFigure] = field(default_factory=list)
    missing_ids: dict[str, list[int]] = field(default_factory=dict)  # what → member ids, for the reminder
    former: list[str] = field(default_factory=list)  # results of members who have left, kept under their name

    def completion(self) -> float | None:
        """Quiz completion across the cell's quizzes, for the chart."""
        total = sum(q.total for q in self.quizzes)
        return sum(q.completed for q in self.quizzes) / total if total else None


@dataclass
class Report:
    unit_name: str
    generated_at: datetime
    cells: list[CellReport]

    def totals(self) -> dict[str, int]:
        return {
            "cells": len(self.cells),
            "members": sum(c.members for c in self.cells),
            "quiz_done": sum(q.completed for c in self.cells for q in c.quizzes),
            "quiz_due": sum(q.total for c in self.cells for q in c.quizzes),
            "attend": sum(len(f.attend) for c in self.cells for f in c.conferences),
            "invited": sum(f.total for c in self.cells for f in c.conferences),
            "handed_in": sum(len(f.submitted) for c in self.cells for f in c.deadlines),
            "to_hand_in": sum(f.total for c in self.cells for f in c.deadlines),
        }


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "—"


def _names(names: list[str]) -> list[str]:
    return sorted(names, key=_name_key)


class ReportService:
    def __init__(self, db: Database, clock: Clock, events: EventService, quizzes: QuizService, zone: ZoneInfo) -> None:
        self._db = db
        self._clock = clock
        self._events = events
        self._quizzes = quizzes
        self.zone = zone

    def build(self, actor: Actor, unit_id: int | None = None) -> Report:
        unit_id = unit_id if unit_id is not None else actor.unit_id
        if unit_id is None:
            raise OrgError("unit_required")
        now = self._clock.now()
        with self._db.session() as s:
            root = s.get(Unit, unit_id)
            if root is None:
                raise OrgError("unknown_unit", unit_id=unit_id)
            ensure_can(actor, "report", root)
            cells = list(
                s.scalars(
                    select(Unit)
                    .where(Unit.path.startswith(root.path, autoescape=True), Unit.kind == "cell")
                    .order_by(Unit.path)
                )
            )
            if root.kind == "cell":
                cells = [root]
            return Report(root.name, now, [self._cell(s, cell, now) for cell in cells])

    def _cell(self, s: object, cell: Unit, now: datetime) -> CellReport:
        from sqlalchemy.orm import Session

        assert isinstance(s, Session)
        members = list(s.scalars(select(Member).where(Member.unit_id == cell.id, Member.status == "active")))
        names = {m.id: m.full_name or "(không tên)" for m in members}
        report = CellReport(cell.id, cell.name, len(members))
        # Members who left keep their past results, under their name (or without it, when erased), apart from
        # the counts of the cell as it is now.
        gone = {
            m.id: (f"{m.full_name} (đã rời)" if m.status == "left" and m.full_name else "(đã xoá tên)")
            for m in s.scalars(select(Member).where(Member.unit_id == cell.id, Member.status.in_(("left", "erased"))))
        }
        former: dict[int, list[str]] = {}
        catalog = self._quizzes.catalog()
        for assignment in self._quizzes.assignments_for(s, cell):
            quiz = catalog.get(assignment.quiz_id)
            if quiz is None:
                continue
            best = self._quizzes.best_attempts(s, quiz.id, list(names))
            scores = [100 * a.score / a.total for a in best.values() if a.total]
            missing = [m for m in names if m not in best]
            report.quizzes.append(
                QuizFigure(
                    quiz.id,
                    quiz.title,
                    len(names),
                    len(best),
                    sum(1 for a in best.values() if a.passed),
                    sum(scores) / len(scores) if scores else None,
                    _names([names[m] for m in missing]),
                )
            )
            report.missing_ids[f"quiz:{quiz.id}"] = missing
            for m, attempt in self._quizzes.best_attempts(s, quiz.id, list(gone)).items():
                former.setdefault(m, []).append(f"kiểm tra “{quiz.title}” {attempt.score}/{attempt.total}")
        ancestors = [int(x) for x in cell.path.strip("/").split("/") if x]
        events = s.scalars(
            select(Event)
            .where(Event.unit_id.in_(ancestors), Event.status == "active", Event.audience_role.is_(None))
            .order_by(Event.starts_at)
        )
        for event in events:
            occurrence = self._events.reminders.occurrence(event, now)
            answers = {
                r.member_id: r
                for r in s.scalars(
                    select(EventResponse).where(
                        EventResponse.event_id == event.id, EventResponse.occurrence_at == occurrence
                    )
                )
            }
            words = {"attend": "tham dự", "absent": "vắng", "submitted": "đã nộp"}
            for m in gone:
                if (r := answers.get(m)) is not None:
                    former.setdefault(m, []).append(f"{words.get(r.answer, r.answer)} “{event.title}”")
            if event.kind == "conference":
                figure = ConferenceFigure(event.id, event.title, occurrence, len(names))
                for m, name in names.items():
                    r = answers.get(m)
                    if r is None:
                        figure.no_answer.append(name)
                    elif r.answer == "absent":
                        figure.absent.append((name, r.reason))
                    else:
                        figure.attend.append(name)
                figure.attend, figure.no_answer = _names(figure.attend), _names(figure.no_answer)
                figure.absent.sort(key=lambda x: _name_key(x[0]))
                report.conferences.append(figure)
                report.missing_ids[f"conf:{event.id}"] = [m for m in names if m not in answers]
            elif event.topic in ("essay", "report"):
                done = [m for m in names if (r := answers.get(m)) is not None and r.answer == "submitted"]
                missing = [m for m in names if m not in done]
                report.deadlines.append(
                    DeadlineFigure(
                        event.id,
                        event.title,
                        occurrence,
                        len(names),
                        _names([names[m] for m in done]),
                        _names([names[m] for m in missing]),
                    )
                )
                report.missing_ids[f"due:{event.id}"] = missing
        report.former = [
            f"{gone[m]}: {'; '.join(things)}"
            for m, things in sorted(former.items(), key=lambda x: _name_key(gone[x[0]]))
        ]
        return report

    # -- reminding those missing -----------------------------------------------------------------------------

    def remind_missing(self, actor: Actor, unit_id: int | None = None) -> tuple[int, int]:
        """Queue one reminder to each member still missing something in the report.

        Returns (queued now, already queued by a press within the same minute)."""
        report = self.build(actor, unit_id)
        now = self._clock.now()
        per_member: dict[int, list[tuple[MissingKind, str]]] = {}
        for cell in report.cells:
            titles: dict[str, tuple[MissingKind, str]] = {f"quiz:{q.quiz_id}": ("quiz", q.title) for q in cell.quizzes}
            titles |= {f"conf:{c.event_id}": ("conference", c.title) for c in cell.conferences}
            titles |= {f"due:{d.event_id}": ("deadline", d.title) for d in cell.deadlines}
            for key, ids in cell.missing_ids.items():
                for member_id in ids:
                    per_member.setdefault(member_id, []).append(titles[key])
        stamp = now.strftime("%Y%m%d%H%M")
        with self._db.session() as s:
            routes = routes_for(s, list(per_member))
            quiet = set(s.scalars(select(Exemption.member_id).where(Exemption.reminders.is_(False))))  # miễn SH
            rows = []
            for member_id, things in per_member.items():
                route = routes.get(member_id)
                if route is None or member_id in quiet:
                    continue
                text = self._events.texts.missing(things)
                key = f"rm{stamp}u{report.cells[0].unit_id if report.cells else 0}m{member_id}"
                rows.append(outbox_row(key, member_id, route, "notice", text, now))
            existing = set(
                s.scalars(select(Outbox.dedup_key).where(Outbox.dedup_key.in_([r["dedup_key"] for r in rows])))
            )
            fresh = [r for r in rows if r["dedup_key"] not in existing]  # a second press in the same minute
            if fresh:
                s.execute(insert(Outbox), fresh)
            return len(fresh), len(rows) - len(fresh)

    # -- questions not answered -----------------------------------------------------------------------------

    def unanswered(self, actor: Actor, limit: int = 20) -> list[tuple[str, int]]:
        ensure_can(actor, "unanswered_report")
        with self._db.session() as s:
            rows = s.execute(
                select(QuestionLog.normalized, func.count())
                .where(QuestionLog.answered.is_(False), QuestionLog.reason != "chatter", QuestionLog.reason != "empty")
                .group_by(QuestionLog.normalized)
                .order_by(func.count().desc(), QuestionLog.normalized)
                .limit(limit)
            ).all()
        return [(text, int(n)) for text, n in rows]


# -- renderings -------------------------------------------------------------------------------------------------


def as_text(report: Report, zone: ZoneInfo) -> str:
    lines = [f"Báo cáo {report.unit_name} — {report.generated_at.astimezone(zone):%H:%M %d/%m/%Y}"]
    for cell in report.cells:
        if len(report.cells) > 1:
            lines.append(f"\n■ {cell.name} ({cell.members} đảng viên)")
        else:
            lines.append(f"Đảng viên: {cell.members}")
        for q in cell.quizzes:
            avg = f", điểm TB {q.average:.0f}%" if q.average is not None else ""
            lines.append(
                f"• Kiểm tra “{q.title}”: đã làm {q.completed}/{q.total} ({_pct(q.completed, q.total)}), "
                f"đạt {q.passed}{avg}"
            )
            if q.missing:
                lines.append("  Chưa làm: " + ", ".join(q.missing))
        for c in cell.conferences:
            day = f"{c.starts_at.astimezone(zone):%d/%m/%Y}"
            lines.append(
                f"• {c.title} ({day}): tham dự {len(c.attend)}/{c.total} ({_pct(len(c.attend), c.total)}), "
                f"vắng {len(c.absent)}, chưa trả lời {len(c.no_answer)}"
            )
            if c.absent:
                lines.append("  Vắng: " + ", ".join(f"{n} ({r})" if r else n for n, r in c.absent))
            if c.no_answer:
                lines.append("  Chưa trả lời: " + ", ".join(c.no_answer))
        for d in cell.deadlines:
            day = f"{d.due_at.astimezone(zone):%d/%m/%Y}"
            lines.append(
                f"• {d.title} (hạn {day}): đã nộp {len(d.submitted)}/{d.total} ({_pct(len(d.submitted), d.total)})"
            )
            if d.missing:
                lines.append("  Chưa nộp: " + ", ".join(d.missing))
        if not (cell.quizzes or cell.conferences or cell.deadlines):
            lines.append("• Chưa có bài kiểm tra, hội nghị hay hạn nộp nào.")
        if cell.former:
            lines.append("  Kết quả của người đã rời chi bộ: " + " | ".join(cell.former))
    if len(report.cells) > 1:
        t = report.totals()
        lines.append(
            f"\nTổng cộng {t['cells']} chi bộ, {t['members']} đảng viên: kiểm tra {t['quiz_done']}/{t['quiz_due']} "
            f"({_pct(t['quiz_done'], t['quiz_due'])}); tham dự {t['attend']}/{t['invited']} "
            f"({_pct(t['attend'], t['invited'])}); đã nộp {t['handed_in']}/{t['to_hand_in']} "
            f"({_pct(t['handed_in'], t['to_hand_in'])})."
        )
    return "\n".join(lines)


def as_xlsx(report: Report, zone: ZoneInfo) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    def _put(sheet: Any, values: list[Any]) -> None:
        sheet.append(xlsx_row(sheet, values))  # text stays text: never a formula (bot/text/cells.py)

    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Tổng hợp"
    _put(
        summary,
        [
            "Chi bộ",
            "Số đảng viên",
            "Kiểm tra: đã làm",
            "Kiểm tra: phải làm",
            "Tỷ lệ kiểm tra",
            "Hội nghị: tham dự",
            "Hội nghị: được mời",
            "Tỷ lệ tham dự",
            "Đã nộp",
            "Phải nộp",
            "Tỷ lệ nộp",
        ],
    )
    for cell in report.cells:
        done, due = sum(q.completed for q in cell.quizzes), sum(q.total for q in cell.quizzes)
        att, inv = sum(len(c.attend) for c in cell.conferences), sum(c.total for c in cell.conferences)
        sub, tot = sum(len(d.submitted) for d in cell.deadlines), sum(d.total for d in cell.deadlines)
        _put(
            summary,
            [
                cell.name,
                cell.members,
                done,
                due,
                _ratio(done, due),
                att,
                inv,
                _ratio(att, inv),
                sub,
                tot,
                _ratio(sub, tot),
            ],
        )
    t = report.totals()
    _put(
        summary,
        [
            "Tổng cộng",
            t["members"],
            t["quiz_done"],
            t["quiz_due"],
            _ratio(t["quiz_done"], t["quiz_due"]),
            t["attend"],
            t["invited"],
            _ratio(t["attend"], t["invited"]),
            t["handed_in"],
            t["to_hand_in"],
            _ratio(t["handed_in"], t["to_hand_in"]),
        ],
    )
    quizzes = book.create_sheet("Kiểm tra")
    _put(quizzes, ["Chi bộ", "Bài kiểm tra", "Đã làm", "Số đảng viên", "Tỷ lệ", "Đạt", "Điểm TB (%)", "Chưa làm"])
    for cell in report.cells:
        for q in cell.quizzes:
            _put(
                quizzes,
                [
                    cell.name,
                    q.title,
                    q.completed,
                    q.total,
                    _ratio(q.completed, q.total),
                    q.passed,
                    round(q.average, 1) if q.average is not None else None,
                    ", ".join(q.missing),
                ],
            )
    conferences = book.create_sheet("Hội nghị")
    _put(
        conferences,
        [
            "Chi bộ",
            "Hội nghị",
            "Ngày",
            "Tham dự",
            "Vắng",
            "Chưa trả lời",
            "Tỷ lệ tham dự",
            "Vắng (lý do)",
            "Chưa trả lời (tên)",
        ],
    )
    for cell in report.cells:
        for c in cell.conferences:
            _put(
                conferences,
                [
                    cell.name,
                    c.title,
                    c.starts_at.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
                    len(c.attend),
                    len(c.absent),
                    len(c.no_answer),
                    _ratio(len(c.attend), c.total),
                    ", ".join(f"{n} ({r})" if r else n for n, r in c.absent),
                    ", ".join(c.no_answer),
                ],
            )
    essays = book.create_sheet("Bài thu hoạch")
    _put(essays, ["Chi bộ", "Hạn nộp", "Ngày", "Đã nộp", "Số đảng viên", "Tỷ lệ", "Chưa nộp"])
    for cell in report.cells:
        for d in cell.deadlines:
            _put(
                essays,
                [
                    cell.name,
                    d.title,
                    d.due_at.astimezone(zone).strftime("%d/%m/%Y"),
                    len(d.submitted),
                    d.total,
                    _ratio(len(d.submitted), d.total),
                    ", ".join(d.missing),
                ],
            )
    former = book.create_sheet("Đã rời chi bộ")
    _put(former, ["Chi bộ", "Đảng viên và kết quả đã có"])
    for cell in report.cells:
        for line in cell.former:
            _put(former, [cell.name, line])
    for sheet in book.worksheets:
        for head in sheet[1]:
            head.font = Font(bold=True)
        for index, column in enumerate(sheet.iter_cols(), 1):
            width = max(len(str(item.value or "")) for item in column)
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))
            if "Tỷ lệ" in str(sheet.cell(1, index).value):
                for item in column[1:]:
                    item.number_format = "0%"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ratio(n: int, total: int) -> float | None:
    return round(n / total, 4) if total else None


def as_png(report: Report) -> bytes:
    """Completion by cell: quizzes done, conference answered "attend", hand-ins — per cent, one bar group per cell."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [c.name for c in report.cells]
    series = {
        "Kiểm tra": [
            _share(sum(q.completed for q in c.quizzes), sum(q.total for q in c.quizzes)) for c in report.cells
        ],
        "Tham dự hội nghị": [
            _share(sum(len(f.attend) for f in c.conferences), sum(f.total for f in c.conferences)) for c in report.cells
        ],
        "Nộp bài": [
            _share(sum(len(d.submitted) for d in c.deadlines), sum(d.total for d in c.deadlines)) for c in report.cells
        ],
    }
    plt.rcParams["font.family"] = "DejaVu Sans"  # bundled with matplotlib; has every Vietnamese letter
    height = max(3.2, 0.9 * len(names) + 2.0)
    fig, ax = plt.subplots(figsize=(8, height), dpi=120)
    bar = 0.26
    colors = {"Kiểm tra": "#c0392b", "Tham dự hội nghị": "#2e86c1", "Nộp bài": "#d4ac0d"}
    for k, (label, values) in enumerate(series.items()):
        ys = [i + (k - 1) * bar for i in range(len(names))]
        ax.barh(ys, [v or 0 for v in values], height=bar, label=label, color=colors[label])
        for y, v in zip(ys, values, strict=True):
            ax.text((v or 0) + 1, y, "—" if v is None else f"{v:.0f}%", va="center", fontsize=8)
    ax.set_yticks(range(len(names)), labels=names)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("Tỷ lệ hoàn thành (%)")
    ax.set_title(f"Hoàn thành theo chi bộ — {report.unit_name}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def _share(n: int, total: int) -> float | None:
    return 100 * n / total if total else None
