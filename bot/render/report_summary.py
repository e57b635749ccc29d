"""`/baocao` from the figures: the chat text, the XLSX workbook and the chart (PNG).

A committee's report is by the units directly below it, with totals; names of those who have not done
something appear only in a cell's report and in the XLSX (every cell, on its own sheets). The chart has at
most ``MAX_BARS`` bars (the units with the lowest rate when there are more). Imports only ``bot.figures``.
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from bot.figures import Attendance, ConferenceLine, ReportFigures, UnitFigures, pick_conference, share
from bot.memory import collector_paused
from bot.text.cells import xlsx_cell, xlsx_value

MAX_BARS = 40
MAX_ROWS_IN_CHAT = 40


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "—"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _sums(unit: UnitFigures, conference: ConferenceLine | None) -> dict[str, int]:
    c = unit.conference(conference.event_id) if conference is not None else None
    a = c.attendance if c is not None else None
    return {
        "quiz_done": sum(q.completed for q in unit.quizzes),
        "quiz_due": sum(q.total for q in unit.quizzes),
        "present": a.present if a is not None else 0,
        "expected": a.expected if a is not None else 0,
        "excused": a.absent_excused if a is not None else 0,
        "unexcused": a.absent_unexcused if a is not None else 0,
        "no_answer": a.no_answer if a is not None else 0,
        "exempt": a.exempt if a is not None else 0,
        "made_up": a.made_up if a is not None else 0,
        "handed_in": sum(h.submitted for h in unit.hand_ins),
        "to_hand_in": sum(h.total for h in unit.hand_ins),
    }


def basis_note(figures: ReportFigures) -> str:
    if figures.basis == "roll_call":
        return "Tham dự: theo điểm danh tại hội nghị."
    units = [figures.total, *figures.cells]
    if any(c.attendance.basis == "roll_call" for u in units for c in u.conferences):
        return (
            "Tham dự: theo điểm danh tại hội nghị nơi đã điểm danh (dòng ghi “điểm danh”, cột “Theo” trong tệp "
            "Excel); nơi khác theo xác nhận “Tham dự” / “Vắng” của đảng viên."
        )
    return "Tham dự: theo xác nhận “Tham dự” / “Vắng” của đảng viên (chưa phải điểm danh tại hội nghị)."


def _extra(a: Attendance) -> str:
    """What only some conferences have: those exempt, those who made up for it; the roll-call."""
    out = ""
    if a.exempt:
        out += f", miễn sinh hoạt {a.exempt}"
    if a.made_up:
        out += f", đã học bù {a.made_up}"
    if a.basis == "roll_call":
        out += " (điểm danh)"
    return out


def as_text(figures: ReportFigures, zone: ZoneInfo) -> str:
    lines = [f"Báo cáo {figures.root_name} — {figures.generated_at.astimezone(zone):%H:%M %d/%m/%Y}"]
    total = figures.total
    if figures.level == "cell":
        lines += _cell_lines(total, zone)
    else:
        lines += _committee_lines(figures, zone)
    if total.conferences:
        lines.append(basis_note(figures))
    if total.left:
        lines.append(f"Đã rời chi bộ: {total.left} đảng viên, không tính trong số liệu.")
    return "\n".join(lines)


def _cell_lines(cell: UnitFigures, zone: ZoneInfo) -> list[str]:
    joined = f" ({cell.not_joined} chưa dùng bot)" if cell.not_joined else ""
    lines = [f"Đảng viên: {cell.members}{joined}"]
    for q in cell.quizzes:
        avg = f", điểm TB {q.average:.0f}%" if q.average is not None else ""
        lines.append(
            f"• Kiểm tra “{q.title}”: đã làm {q.completed}/{q.total} ({_pct(q.completed, q.total)}), "
            f"đạt {q.passed}{avg}"
        )
        if q.missing_names:
            lines.append("  Chưa làm: " + ", ".join(q.missing_names))
    for c in cell.conferences:
        a = c.attendance
        lines.append(
            f"• {c.title} ({c.starts_at.astimezone(zone):%d/%m/%Y}): tham dự {a.present}/{a.expected} "
            f"({_rate(a.rate)}), vắng {a.absent}, chưa trả lời {a.no_answer}{_extra(a)}"
        )
        if c.exempt_names:
            lines.append("  Miễn sinh hoạt: " + ", ".join(c.exempt_names))
        if c.made_up_names:
            lines.append("  Đã học bù: " + ", ".join(c.made_up_names))
        if c.absences:
            lines.append("  Vắng: " + ", ".join(f"{x.name} ({x.reason})" if x.reason else x.name for x in c.absences))
        if c.no_answer_names:
            lines.append("  Chưa trả lời: " + ", ".join(c.no_answer_names))
    for h in cell.hand_ins:
        lines.append(
            f"• {h.title} (hạn {h.due_at.astimezone(zone):%d/%m/%Y}): đã nộp {h.submitted}/{h.total} "
            f"({_pct(h.submitted, h.total)})"
        )
        if h.missing_names:
            lines.append("  Chưa nộp: " + ", ".join(h.missing_names))
    if not (cell.quizzes or cell.conferences or cell.hand_ins):
        lines.append("• Chưa có bài kiểm tra, hội nghị hay hạn nộp nào.")
    if cell.members == 0:
        lines.append("• Chi bộ chưa có đảng viên nào trong danh sách, nên các tỷ lệ chưa tính được.")
    return lines


def _committee_lines(figures: ReportFigures, zone: ZoneInfo) -> list[str]:
    total = figures.total
    conference, _ = pick_conference(figures)
    t = _sums(total, None)
    lines = [
        f"Tổng cộng {total.cells} chi bộ, {total.members} đảng viên: kiểm tra {t['quiz_done']}/{t['quiz_due']} "
        f"({_pct(t['quiz_done'], t['quiz_due'])}); đã nộp {t['handed_in']}/{t['to_hand_in']} "
        f"({_pct(t['handed_in'], t['to_hand_in'])})."
    ]
    for c in total.conferences:
        a = c.attendance
        lines.append(
            f"• {c.title} ({c.starts_at.astimezone(zone):%d/%m/%Y}): tham dự {a.present}/{a.expected} "
            f"({_rate(a.rate)}), vắng có lý do {a.absent_excused}, không lý do {a.absent_unexcused}, "
            f"chưa trả lời {a.no_answer}{_extra(a)}"
        )
    for q in total.quizzes:
        avg = f", điểm TB {q.average:.0f}%" if q.average is not None else ""
        lines.append(f"• Kiểm tra “{q.title}”: đã làm {q.completed}/{q.total} ({_rate(q.rate)}), đạt {q.passed}{avg}")
    for h in total.hand_ins:
        lines.append(f"• {h.title}: đã nộp {h.submitted}/{h.total} ({_rate(h.rate)})")
    if not figures.rows:
        lines.append("Chưa có đơn vị trực thuộc nào.")
        return lines
    label = f", tham dự “{conference.title}”" if conference is not None else ""
    lines.append(f"\nTheo {len(figures.rows)} đơn vị trực thuộc (kiểm tra; nộp bài{label}):")
    rows = figures.rows
    hidden = 0
    if len(rows) > MAX_ROWS_IN_CHAT:
        shown = {id(r) for r in _lowest(rows, conference, MAX_ROWS_IN_CHAT)}
        hidden = len(rows) - len(shown)
        rows = [r for r in rows if id(r) in shown]
    for row in rows:
        s = _sums(row, conference)
        flag = " — chưa báo cáo" if row.reported is False else ""
        att = f"; tham dự {_pct(s['present'], s['expected'])}" if conference is not None else ""
        lines.append(
            f"■ {row.name} [{row.unit_id}] ({row.cells} chi bộ, {row.members} đv): kiểm tra "
            f"{_pct(s['quiz_done'], s['quiz_due'])}; nộp {_pct(s['handed_in'], s['to_hand_in'])}{att}{flag}"
        )
    if hidden:
        lines.append(f"(Hiện {len(rows)} đơn vị có tỷ lệ thấp nhất; {hidden} đơn vị khác xem trong tệp Excel.)")
    if figures.deadline is not None:
        missing = figures.not_reported
        more = f" và {len(missing) - 30} đơn vị khác" if len(missing) > 30 else ""
        names = ", ".join(missing[:30]) + more if missing else "không còn đơn vị nào"
        lines.append(f"Chưa báo cáo theo hạn “{figures.deadline.title}”: {names}.")
    lines.append("Xem chi tiết một đơn vị: /baocao <số trong ngoặc vuông>.")
    return lines


def _score(unit: UnitFigures, conference: ConferenceLine | None) -> float:
    """The rate a unit is ranked by: attendance at the conference, else quiz completion, else hand-ins."""
    s = _sums(unit, conference)
    for n, total in (("present", "expected"), ("quiz_done", "quiz_due"), ("handed_in", "to_hand_in")):
        value = share(s[n], s[total])
        if value is not None:
            return value
    return 0.0


def _metric(figures: ReportFigures, conference: ConferenceLine | None) -> str:
    if conference is not None:
        return f"Tham dự “{conference.title}”"
    if figures.total.quizzes:
        return "Làm bài kiểm tra"
    return "Nộp bài"


def _lowest(rows: list[UnitFigures], conference: ConferenceLine | None, n: int) -> list[UnitFigures]:
    return sorted(rows, key=lambda r: _score(r, conference))[:n]


def lowest_units(figures: ReportFigures, n: int) -> list[UnitFigures]:
    """The ``n`` units below a committee with the lowest rate (the one the chart and the chat rank by)."""
    conference, _ = pick_conference(figures)
    return _lowest(figures.rows, conference, n)


# -- XLSX ----------------------------------------------------------------------------------------------------

SUMMARY_HEAD = (
    "Đơn vị",
    "Mã",
    "Số chi bộ",
    "Số đảng viên",
    "Chưa dùng bot",
    "Kiểm tra: đã làm",
    "Kiểm tra: phải làm",
    "Tỷ lệ kiểm tra",
    "Hội nghị: tham dự",
    "Hội nghị: phải tham dự",
    "Tỷ lệ tham dự",
    "Vắng có lý do",
    "Vắng không lý do",
    "Chưa trả lời",
    "Miễn sinh hoạt",
    "Đã học bù",
    "Đã nộp",
    "Phải nộp",
    "Tỷ lệ nộp",
    "Đã báo cáo",
)


def _summary_row(unit: UnitFigures, conference: ConferenceLine | None) -> list[object]:
    s = _sums(unit, conference)
    reported = {True: "Đã báo cáo", False: "Chưa báo cáo", None: ""}[unit.reported]
    return [
        unit.name,
        unit.unit_id,
        unit.cells,
        unit.members,
        unit.not_joined,
        s["quiz_done"],
        s["quiz_due"],
        _ratio(s["quiz_done"], s["quiz_due"]),
        s["present"],
        s["expected"],
        _ratio(s["present"], s["expected"]),
        s["excused"],
        s["unexcused"],
        s["no_answer"],
        s["exempt"],
        s["made_up"],
        s["handed_in"],
        s["to_hand_in"],
        _ratio(s["handed_in"], s["to_hand_in"]),
        reported,
    ]


def _ratio(n: int, total: int) -> float | None:
    return round(n / total, 4) if total else None


@collector_paused()
def as_xlsx(figures: ReportFigures, zone: ZoneInfo) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    conference, _ = pick_conference(figures)
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, head: tuple[str, ...], widths: dict[int, int] | None = None) -> object:
        ws = book.create_sheet(title)
        for index, name in enumerate(head, 1):
            ws.column_dimensions[get_column_letter(index)].width = (widths or {}).get(
                index, min(40, max(10, len(name) + 2))
            )
        cells = []
        for name in head:
            cells.append(xlsx_cell(ws, name, font=bold))
        ws.append(cells)
        return ws

    rates: dict[tuple[str, ...], frozenset[int]] = {}

    def put(ws: object, values: list[object], head: tuple[str, ...]) -> None:
        # A string stays text, never a formula (bot/text/cells.py); a plain value where that is enough, since a
        # province's workbook has some 100,000 of them; a cell with its format for a rate.
        percent = rates.get(head)
        if percent is None:
            percent = rates[head] = frozenset(i for i, name in enumerate(head) if name.startswith("Tỷ lệ"))
        row = [
            xlsx_cell(ws, value, number_format="0%")
            if i in percent and value is not None
            else xlsx_value(ws, value if value != "" else None)  # an empty list of names: no cell at all
            for i, value in enumerate(values[: len(head)])
        ]
        ws.append(row)  # type: ignore[attr-defined]

    summary = sheet("Tổng hợp", SUMMARY_HEAD, {1: 40})
    for unit in figures.rows or [figures.total]:
        put(summary, _summary_row(unit, conference), SUMMARY_HEAD)
    if figures.rows:
        put(summary, ["Tổng cộng", *_summary_row(figures.total, conference)[1:-1], ""], SUMMARY_HEAD)
    if figures.level == "committee":
        by_cell = sheet("Theo chi bộ", SUMMARY_HEAD, {1: 40})
        for cell in figures.cells:
            put(by_cell, _summary_row(cell, conference), SUMMARY_HEAD)
    head: tuple[str, ...] = ("Chi bộ", "Hội nghị", "Ngày", "Tham dự", "Vắng có lý do", "Vắng không lý do",
                             "Chưa trả lời", "Tỷ lệ tham dự", "Vắng (lý do)", "Chưa trả lời (tên)",
                             "Tổng số đảng viên", "Miễn sinh hoạt", "Đã học bù", "Theo", "Miễn sinh hoạt (tên)",
                             "Đã học bù (tên)")  # fmt: skip
    ws = sheet("Hội nghị", head, {1: 30, 2: 30, 9: 60, 10: 60, 15: 40, 16: 40})
    for cell in figures.cells:
        for c in cell.conferences:
            a = c.attendance
            put(ws, [cell.name, c.title, c.starts_at.astimezone(zone).strftime("%d/%m/%Y %H:%M"), a.present,
                     a.absent_excused, a.absent_unexcused, a.no_answer, a.rate,
                     ", ".join(f"{x.name} ({x.reason})" if x.reason else x.name for x in c.absences),
                     ", ".join(c.no_answer_names), a.total, a.exempt, a.made_up,
                     "điểm danh" if a.basis == "roll_call" else "xác nhận",
                     ", ".join(c.exempt_names), ", ".join(c.made_up_names)], head)  # fmt: skip
    head = (
        "Chi bộ",
        "Bài kiểm tra",
        "Đã làm",
        "Số đảng viên",
        "Tỷ lệ",
        "Đạt",
        "Điểm TB (%)",
        "Chưa làm",
    )
    ws = sheet("Kiểm tra", head, {1: 30, 2: 30, 8: 60})
    for cell in figures.cells:
        for q in cell.quizzes:
            average = round(q.average, 1) if q.average is not None else None
            put(ws, [cell.name, q.title, q.completed, q.total, q.rate, q.passed, average,
                     ", ".join(q.missing_names)], head)  # fmt: skip
    head = ("Chi bộ", "Hạn nộp", "Ngày", "Đã nộp", "Số đảng viên", "Tỷ lệ", "Chưa nộp")
    ws = sheet("Bài thu hoạch", head, {1: 30, 2: 30, 7: 60})
    for cell in figures.cells:
        for h in cell.hand_ins:
            put(ws, [cell.name, h.title, h.due_at.astimezone(zone).strftime("%d/%m/%Y"), h.submitted, h.total,
                     h.rate, ", ".join(h.missing_names)], head)  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- chart ---------------------------------------------------------------------------------------------------


def as_png(figures: ReportFigures) -> bytes:
    """One bar per unit below (at most ``MAX_BARS``: the lowest rates), or per item of a cell's report."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    conference, _ = pick_conference(figures)
    if figures.level == "cell":
        cell = figures.total
        bars = [(f"Kiểm tra “{q.title}”", q.rate) for q in cell.quizzes]
        bars += [(f"Tham dự “{c.title}”", c.attendance.rate) for c in cell.conferences]
        bars += [(f"Nộp “{h.title}”", h.rate) for h in cell.hand_ins]
        bars = bars[:MAX_BARS]
        title = f"Tỷ lệ hoàn thành — {figures.root_name}"
    else:
        rows = figures.rows
        title = f"{_metric(figures, conference)} theo đơn vị — {figures.root_name}"
        if len(rows) > MAX_BARS:
            rows = _lowest(rows, conference, MAX_BARS)
            title = f"{MAX_BARS}/{len(figures.rows)} đơn vị có tỷ lệ thấp nhất — {_metric(figures, conference)}"
        bars = [(r.name, _score(r, conference) if _has_figure(r, conference) else None) for r in rows]
    # Drawn on the Agg canvas directly, without pyplot's global state (a chat's turn may run in any thread);
    # DejaVu Sans is bundled with matplotlib and has every Vietnamese letter.
    height = max(3.0, 0.32 * len(bars) + 1.6)
    matplotlib.rcParams["font.family"] = "DejaVu Sans"
    fig = Figure(figsize=(8, height), dpi=110)
    FigureCanvasAgg(fig)  # the figure draws on Agg
    ax = fig.add_subplot()
    labels = [short_name(name) for name, _ in bars]
    values = [100 * v if v is not None else 0 for _, v in bars]
    ax.barh(range(len(bars)), values, color="#2e86c1", height=0.6)
    for y, (_, v) in enumerate(bars):
        ax.text((100 * v if v is not None else 0) + 1, y, "—" if v is None else f"{100 * v:.0f}%", va="center",
                fontsize=8)  # fmt: skip
    ax.set_yticks(range(len(bars)), labels=labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("Tỷ lệ (%)")
    ax.set_title(title, fontsize=10)
    if not bars:
        ax.text(55, 0, "Chưa có số liệu", ha="center")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _has_figure(unit: UnitFigures, conference: ConferenceLine | None) -> bool:
    s = _sums(unit, conference)
    return bool(s["expected"] or s["quiz_due"] or s["to_hand_in"])


def short_name(name: str, limit: int = 38) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
