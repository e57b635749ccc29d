"""The written report's Vietnamese: the header names, the sentences of the two reports (before a conference:
số lượng dự kiến tham dự; after: kết quả học tập, quán triệt), for a cell or a committee, from the figures.

Plain administrative register; no judgement is invented: "Đánh giá chung" is left as placeholders in square
brackets for the secretary to complete.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.figures import Attendance, ConferenceLine, ReportFigures, Stage, UnitFigures, pick_conference, share
from bot.render.report_docx import Block, Para, PartyDocument, Table

BLANK = "……………"

# "Đảng bộ huyện X" → ("Huyện ủy X", "HU", standing committee signs)
_LEVELS = (
    ("tỉnh", "Tỉnh ủy", "TU", True),
    ("thành phố", "Thành ủy", "TU", True),
    ("huyện", "Huyện ủy", "HU", True),
    ("quận", "Quận ủy", "QU", True),
    ("thị xã", "Thị ủy", "TU", True),
)
_PLACE = re.compile(r"^đảng bộ\s+(?:tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)\s+(.+)$", re.IGNORECASE)


def body_of(unit_name: str, level: str) -> tuple[str, str, str]:
    """The issuing body's name, the symbol after "BC/", and who signs for it ("T/M …")."""
    name = " ".join(unit_name.split())
    if level == "cell":
        issuer = name if name.lower().startswith("chi bộ") else f"Chi bộ {name}"
        return issuer, "CB", "T/M CHI BỘ"
    lower = name.lower()
    if lower.startswith("đảng bộ "):
        rest = name[len("đảng bộ ") :]
        for word, body, symbol, standing in _LEVELS:
            if rest.lower().startswith(word + " "):
                return f"{body} {rest[len(word) + 1 :]}", symbol, "T/M BAN THƯỜNG VỤ" if standing else "T/M ĐẢNG ỦY"
        return f"Đảng ủy {rest}", "ĐU", "T/M ĐẢNG ỦY"
    return name, "ĐU", "T/M ĐẢNG ỦY"


def place_of(figures: ReportFigures) -> str:
    for name in (figures.root_name, figures.parent_name or ""):
        if m := _PLACE.match(" ".join(name.split())):
            return m.group(1)
    return BLANK


def date_line(place: str, at: datetime) -> str:
    """Days under 10 and the months January and February take a leading zero."""
    month = f"{at.month:02d}" if at.month < 3 else str(at.month)
    return f"{place}, ngày {at.day:02d} tháng {month} năm {at.year}"


def number(value: float) -> str:
    """One decimal, with a comma, and none when it is zero: 66,7 — 75."""
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def pct(value: float | None) -> str:
    return "—" if value is None else number(100 * value) + "%"


def _when(line: ConferenceLine, zone: ZoneInfo) -> str:
    at = line.starts_at.astimezone(zone)
    where = f"; địa điểm: {line.place}" if line.place else ""
    return f"thời gian: {at:%H} giờ {at:%M}, ngày {at:%d/%m/%Y}{where}"


def basis_sentence(figures: ReportFigures, zone: ZoneInfo, line: ConferenceLine | None = None) -> str:
    """How attendance was counted: for the conference reported on when given, else for the whole report."""
    at = figures.generated_at.astimezone(zone)
    if (line.attendance.basis if line is not None else figures.basis) == "roll_call":
        return f"Số liệu tham dự theo điểm danh tại hội nghị, tổng hợp lúc {at:%H} giờ {at:%M} ngày {at:%d/%m/%Y}."
    return (
        f"Số liệu tham dự tổng hợp từ xác nhận “Tham dự” / “Vắng” của đảng viên trên hệ thống nhắc việc, đến "
        f"{at:%H} giờ {at:%M} ngày {at:%d/%m/%Y}; chưa phải kết quả điểm danh tại hội nghị."
    )


def compose(
    figures: ReportFigures,
    zone: ZoneInfo,
    *,
    event_id: int | None = None,
    stage: Stage | None = None,
    signer: str = "",
) -> tuple[PartyDocument, Stage]:
    line, stage = pick_conference(figures, event_id, stage)
    issuer, symbol, authority = body_of(figures.root_name, figures.level)
    superior = figures.parent_name
    upper = body_of(superior, "committee")[0] if superior else None
    subject_title = f"“{line.title}”" if line is not None else ""
    if stage == "before":
        subject = f"số lượng đảng viên dự kiến tham dự {subject_title}".strip()
    else:
        subject = f"kết quả học tập, quán triệt {subject_title}".strip()
    body = _before(figures, line, issuer, zone) if stage == "before" else _after(figures, line, issuer, zone)
    recipients = [f"- {upper} (để báo cáo)," if upper else f"- {BLANK} (để báo cáo),"]
    recipients.append("- Lưu chi bộ." if figures.level == "cell" else "- Lưu Văn phòng cấp ủy.")
    doc = PartyDocument(
        superior=superior,
        issuer=issuer,
        number=f"Số        -BC/{symbol}",
        place_date=date_line(place_of(figures), figures.generated_at.astimezone(zone)),
        subject=subject,
        body=body,
        recipients=recipients,
        authority=authority,
        position="BÍ THƯ",
        signer=signer,
    )
    return doc, stage


def _opening(line: ConferenceLine | None, issuer: str, what: str, zone: ZoneInfo) -> list[Block]:
    if line is None:
        return [
            Para(
                f"{issuer} báo cáo {what} như sau. Trên hệ thống chưa có hội nghị nào của đơn vị hoặc cấp trên "
                "nên chưa có số liệu tham dự."
            )
        ]
    return [Para(f"Thực hiện kế hoạch tổ chức “{line.title}” ({_when(line, zone)}), {issuer} báo cáo {what} như sau:")]


def _attendance_lines(a: Attendance, *, before: bool) -> list[str]:
    out = [f"- Tổng số đảng viên: {a.total} đồng chí"]
    if a.exempt:
        out[0] += f"; miễn sinh hoạt: {a.exempt} đồng chí; số phải tham dự: {a.expected} đồng chí"
    out[0] += "."
    word = "dự kiến tham dự" if before else "tham dự"
    if a.expected == 0:
        out.append(f"- Số đảng viên {word}: chưa tính được tỷ lệ vì chưa có đảng viên nào phải tham dự.")
    else:
        out.append(f"- Số đảng viên {word}: {a.present}/{a.expected} đồng chí, đạt {pct(a.rate)}.")
    out.append(f"- Vắng có lý do: {a.absent_excused} đồng chí; vắng không lý do: {a.absent_unexcused} đồng chí.")
    if a.basis == "confirmations":
        out.append(f"- Chưa trả lời: {a.no_answer} đồng chí.")
    if a.made_up:
        out.append(f"- Đã học bù: {a.made_up} đồng chí.")
    return out


def _notes(unit: UnitFigures) -> list[Block]:
    out: list[Block] = []
    if unit.not_joined:
        out.append(
            Para(
                f"Có {unit.not_joined} đồng chí trong danh sách chưa sử dụng hệ thống nên chưa tự xác nhận được; "
                "số liệu của các đồng chí này do chi bộ nắm trực tiếp và bổ sung.",
                italic=True,
            )
        )
    if unit.left:
        out.append(
            Para(
                f"{unit.left} đảng viên đã chuyển sinh hoạt hoặc rời chi bộ không tính trong số liệu trên.",
                italic=True,
            )
        )
    return out


def _before(figures: ReportFigures, line: ConferenceLine | None, issuer: str, zone: ZoneInfo) -> list[Block]:
    body = _opening(line, issuer, "số lượng đảng viên dự kiến tham dự", zone)
    total = figures.total
    if figures.level == "cell":
        if total.members == 0:
            body.append(Para("Chi bộ chưa có đảng viên nào trong danh sách trên hệ thống nên chưa có số liệu."))
        elif line is not None:
            a = line.attendance
            body += [Para(text) for text in _attendance_lines(a, before=True)]
            if line.absences:
                body.append(Para("Danh sách đảng viên vắng mặt và lý do:"))
                body += [
                    Para(f"- Đồng chí {x.name}: {x.reason or 'chưa nêu lý do'}.", indent=True) for x in line.absences
                ]
            if line.no_answer_names:
                body.append(Para("Đảng viên chưa trả lời: " + ", ".join(line.no_answer_names) + "."))
            if a.present + a.absent == 0:
                body.append(Para("Đến thời điểm báo cáo, chưa có đảng viên nào trả lời về việc tham dự."))
            body.append(Para("Chi bộ tiếp tục nắm tình hình và báo cáo bổ sung khi có thay đổi."))
    else:
        body += _committee_before(figures, line)
    if line is not None:
        body.append(Para(basis_sentence(figures, zone, line), italic=True))
    body += _notes(total)
    return body


def _committee_before(figures: ReportFigures, line: ConferenceLine | None) -> list[Block]:
    total = figures.total
    body: list[Block] = []
    if line is not None:
        a = line.attendance
        body.append(
            Para(
                f"1. Tổng hợp chung: {total.cells} chi bộ, {a.total} đảng viên; dự kiến tham dự {a.present} đồng "
                f"chí ({pct(a.rate)}); vắng có lý do {a.absent_excused}; vắng không lý do {a.absent_unexcused}; "
                f"chưa trả lời {a.no_answer} đồng chí."
            )
        )
    body.append(Para("2. Chi tiết theo đơn vị trực thuộc:"))
    if not figures.rows:
        body.append(Para("Chưa có đơn vị trực thuộc nào trên hệ thống nên chưa có bảng tổng hợp theo đơn vị."))
    elif line is None:
        body.append(Para("Chưa có hội nghị nào nên chưa có số liệu theo đơn vị."))
    else:
        rows = []
        for n, row in enumerate(figures.rows, 1):
            c = row.conference(line.event_id)
            a = c.attendance if c is not None else Attendance(row.members)
            rows.append((str(n), row.name, str(a.total), str(a.present), pct(a.rate), str(a.absent), str(a.no_answer)))
        a = line.attendance
        body.append(
            Table(
                ("TT", "Đơn vị", "Đảng viên", "Dự kiến tham dự", "Tỷ lệ", "Vắng", "Chưa trả lời"),
                rows,
                ("", "Tổng cộng", str(a.total), str(a.present), pct(a.rate), str(a.absent), str(a.no_answer)),
                ("center", "left", "right", "right", "right", "right", "right"),
            )
        )
    body.append(Para("3. Đơn vị chưa báo cáo: " + not_reported_sentence(figures)))
    return body


def not_reported_sentence(figures: ReportFigures) -> str:
    d = figures.deadline
    if d is None:
        return "chưa đặt hạn báo cáo trên hệ thống nên chưa theo dõi được đơn vị nào đã báo cáo."
    missing = figures.not_reported
    if not figures.rows:
        return "chưa có đơn vị trực thuộc nào."
    if not missing:
        return f"tất cả {len(figures.rows)} đơn vị đã báo cáo theo hạn “{d.title}”."
    return (
        f"còn {len(missing)}/{len(figures.rows)} đơn vị chưa báo cáo theo hạn “{d.title}”: " + ", ".join(missing) + "."
    )


def _after(figures: ReportFigures, line: ConferenceLine | None, issuer: str, zone: ZoneInfo) -> list[Block]:
    total = figures.total
    cell = figures.level == "cell"
    body = _opening(line, issuer, "kết quả học tập, quán triệt", zone)
    body.append(Para("I. KẾT QUẢ THỰC HIỆN", heading=True))
    body.append(Para("1. Số lượng đảng viên tham dự", heading=True))
    if total.members == 0:
        body.append(Para("Chưa có đảng viên nào trong danh sách trên hệ thống nên chưa có số liệu."))
    elif line is None:
        body.append(Para("Chưa có hội nghị nào trên hệ thống nên chưa có số liệu tham dự."))
    else:
        body += [Para(text) for text in _attendance_lines(line.attendance, before=False)]
        if cell and line.absences:
            body.append(
                Para(
                    "Đảng viên vắng: "
                    + "; ".join(f"đồng chí {x.name} ({x.reason or 'chưa nêu lý do'})" for x in line.absences)
                    + "."
                )
            )
        if line.attendance.present + line.attendance.absent == 0:
            body.append(Para("Chưa có đảng viên nào trả lời về việc tham dự hội nghị này."))
        body.append(Para(basis_sentence(figures, zone, line), italic=True))
    body.append(Para("2. Bài thu hoạch", heading=True))
    if not total.hand_ins:
        body.append(Para("Chưa có hạn nộp bài thu hoạch nào trên hệ thống."))
    for h in total.hand_ins:
        due = h.due_at.astimezone(zone)
        if h.total == 0:
            body.append(Para(f"- “{h.title}” (hạn {due:%d/%m/%Y}): chưa có đảng viên nào phải nộp."))
        else:
            body.append(
                Para(f"- “{h.title}” (hạn {due:%d/%m/%Y}): đã nộp {h.submitted}/{h.total} bài, đạt {pct(h.rate)}.")
            )
    body.append(Para("3. Kiểm tra nhận thức", heading=True))
    if not total.quizzes:
        body.append(Para("Chưa giao bài kiểm tra nhận thức nào trên hệ thống."))
    for q in total.quizzes:
        if q.completed == 0:
            body.append(
                Para(
                    f"- “{q.title}”: chưa có đảng viên nào làm bài (0/{q.total}) nên chưa tính được tỷ lệ đạt và "
                    "điểm trung bình."
                )
            )
        else:
            average = number(q.average) if q.average is not None else "—"
            body.append(
                Para(
                    f"- “{q.title}”: số làm bài {q.completed}/{q.total} ({pct(q.rate)}); số đạt yêu cầu "
                    f"{q.passed} ({pct(q.pass_rate)} số làm bài); điểm trung bình {average}/100."
                )
            )
    if not cell:
        body.append(Para("4. Chi tiết theo đơn vị trực thuộc", heading=True))
        body += _committee_after_table(figures, line)
        body.append(Para("5. Đơn vị chưa báo cáo: " + not_reported_sentence(figures)))
    body += _notes(total)
    who = "Bí thư chi bộ" if cell else "Thường trực cấp ủy"
    body.append(Para("II. ĐÁNH GIÁ CHUNG", heading=True))
    body.append(Para(f"[{who} bổ sung nhận xét về ý thức, trách nhiệm của đảng viên trong học tập, quán triệt.]"))
    body.append(Para(f"[{who} bổ sung ưu điểm, hạn chế và nguyên nhân.]"))
    body.append(Para("III. KIẾN NGHỊ, ĐỀ XUẤT", heading=True))
    body.append(
        Para(f"[{who} bổ sung kiến nghị, đề xuất (nếu có) và kế hoạch học tập bổ sung cho đảng viên vắng mặt.]")
    )
    return body


def _committee_after_table(figures: ReportFigures, line: ConferenceLine | None) -> list[Block]:
    if not figures.rows:
        return [Para("Chưa có đơn vị trực thuộc nào trên hệ thống nên chưa có bảng tổng hợp theo đơn vị.")]

    def cells(unit: UnitFigures) -> tuple[str, ...]:
        c = unit.conference(line.event_id) if line is not None else None
        a = c.attendance if c is not None else None
        handed, due = sum(h.submitted for h in unit.hand_ins), sum(h.total for h in unit.hand_ins)
        done, passed = sum(q.completed for q in unit.quizzes), sum(q.passed for q in unit.quizzes)
        return (
            str(unit.members),
            f"{a.present} ({pct(a.rate)})" if a is not None else "—",
            str(a.absent_excused) if a is not None else "—",
            f"{handed}/{due}" if due else "—",
            f"{done}/{passed}" if unit.quizzes else "—",
        )

    rows = [(str(n), row.name, *cells(row)) for n, row in enumerate(figures.rows, 1)]
    return [
        Table(
            ("TT", "Đơn vị", "Đảng viên", "Tham dự (tỷ lệ)", "Vắng có lý do", "Thu hoạch đã nộp", "Kiểm tra: làm/đạt"),
            rows,
            ("", "Tổng cộng", *cells(figures.total)),
            ("center", "left", "right", "right", "right", "right", "right"),
        )
    ]


def filename(figures: ReportFigures, stage: Stage, zone: ZoneInfo) -> str:
    at = figures.generated_at.astimezone(zone)
    return f"bao-cao-{'truoc' if stage == 'before' else 'sau'}-hoi-nghi-{figures.root_id}-{at:%Y%m%d}.docx"


def share_text(n: int, total: int) -> str:
    return pct(share(n, total))
