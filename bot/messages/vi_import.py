"""What the person importing a booklet reads: what was found, what was left out, and where — the words for the
findings bot/documents.py and bot/knowledge/importer.py return as data, on the command line and in chat."""

from __future__ import annotations

from collections.abc import Sequence

from bot.documents import DocumentError, Location, PdfReading
from bot.knowledge.importer import ImportResult, MissingBody, NumberingGap, NumberingRepeat

SCANNED_PDF = (
    "Tệp PDF này là bản quét (ảnh chụp trang), không có lớp chữ nên tôi chưa đọc được. Đồng chí gửi bản Word "
    "(.docx) hoặc bản PDF xuất trực tiếp từ Word giúp tôi; nếu chỉ có bản quét, cần nhận dạng chữ (OCR) trước."
)
DOCUMENT_ERRORS = {
    "unknown_type": "Tôi chưa đọc được tệp {suffix}; tôi đọc được .docx, .pdf, .txt, .md.",
    "damaged_docx": "Tệp Word này bị hỏng hoặc không phải .docx.",
    "damaged_pdf": "Tệp PDF này bị hỏng hoặc không đọc được.",
    "scanned_pdf": SCANNED_PDF,
    "no_text": "Tệp không có chữ nào đọc được.",
}
NO_SUFFIX = "không có đuôi"

NOUN = {"qa": "câu hỏi - đáp", "glossary": "thuật ngữ"}
UNIT = {"qa": "câu", "glossary": "thuật ngữ"}
FOUND = "Đã nhận ra {count} {noun}."
BY_PART = "Theo phần:"
BEFORE_FIRST_PART = "(trước phần đầu tiên)"
NOT_PLACED = "{where}: chưa xếp được vào mục nào: “{text}”"
NO_BODY = "{where}: {what} “{title}” không có {missing}, bỏ qua."
WHAT = {"qa": ("câu hỏi", "câu trả lời"), "glossary": ("thuật ngữ", "định nghĩa")}
NUMBERING_OK = "Số thứ tự liền mạch: không thiếu, không trùng."
MORE = "… và {count} dòng nữa."
CAPITALS_LOWERED = (
    "{count} {unit} in chữ hoa toàn bộ trong tài liệu; tôi đã viết lại theo chữ thường, giữ chữ hoa ở tên riêng, "
    "chữ viết tắt và số La Mã như phần nội dung của tài liệu viết. Đồng chí xem lại các mục này."
)
CAPITALS_KEPT = "Thuật ngữ được giữ nguyên cách viết như trong tài liệu."


def document_error(err: DocumentError) -> str:
    """Why a document could not be read."""
    if err.reason == "unknown_type":
        return DOCUMENT_ERRORS["unknown_type"].format(suffix=err.suffix or NO_SUFFIX)
    return DOCUMENT_ERRORS[err.reason]


def where(location: Location) -> str:
    """Where a line is: on a page of a PDF, or its number in the file."""
    return f"Trang {location.page}, dòng {location.row}" if location.page else f"Dòng {location.number}"


def numbered(kind: str, numbers: Sequence[int]) -> str:
    first, last = numbers[0], numbers[-1]
    label = f"{first}–{last}" if last != first else str(first)
    return f"Câu {label}" if kind == "qa" else f"Thuật ngữ số {label}"


def missing(kind: str, numbers: Sequence[int], part: str | None) -> str:
    return _in_part(f"{numbered(kind, numbers)} không tìm thấy", part)


def repeated(kind: str, number: int, times: int, part: str | None) -> str:
    how = "hai lần" if times == 2 else f"{times} lần"
    return _in_part(f"{numbered(kind, [number])} xuất hiện {how}", part)


def _in_part(text: str, part: str | None) -> str:
    return f"{text} ({part})." if part else f"{text}."


def part_line(part: str | None, count: int, kind: str) -> str:
    return f"• {part or BEFORE_FIRST_PART}: {count} {UNIT[kind]}"


def numbering(finding: NumberingGap | NumberingRepeat) -> str:
    if isinstance(finding, NumberingGap):
        return missing(finding.kind, finding.numbers, finding.part)
    return repeated(finding.kind, finding.number, finding.times, finding.part)


def no_body(finding: MissingBody) -> str:
    what, lacking = WHAT[finding.kind]
    return NO_BODY.format(where=where(finding.location), what=what, title=finding.title[:60], missing=lacking)


def pdf_notes(reading: PdfReading | None) -> list[str]:
    """What reading a PDF left out; nothing for other formats."""
    if reading is None:
        return []
    notes = []
    if reading.running:
        shown = "; ".join(f"“{text[:70]}”" for text in reading.running[:4])
        notes.append(f"Đã bỏ đầu trang, chân trang lặp lại trên các trang: {shown}.")
    if reading.page_numbers:
        notes.append(f"Đã bỏ {reading.page_numbers} số trang.")
    if without := reading.pages_without_text:
        listed = ", ".join(str(p) for p in without[:10]) + (" …" if len(without) > 10 else "")
        notes.append(f"Trang {listed} không có lớp chữ (ảnh quét), tôi chưa đọc được; {reading.pages} trang tất cả.")
    return notes


def summary(result: ImportResult, limit: int | None = None) -> list[str]:
    """What was found and what was not, truthfully; ``limit`` shortens the list of lines not placed."""
    lines = [FOUND.format(count=len(result.entries), noun=NOUN[result.kind])]
    if any(part for part, _ in result.parts):
        lines.append(BY_PART)
        lines += [part_line(part, count, result.kind) for part, count in result.parts]
    lines += [numbering(finding) for finding in result.numbering]
    if result.numbered and not result.numbering:
        lines.append(NUMBERING_OK)
    if result.capitals:
        lines.append(CAPITALS_LOWERED.format(count=result.capitals, unit=UNIT[result.kind]))
    elif result.kind == "glossary" and result.entries:
        lines.append(CAPITALS_KEPT)
    lines += pdf_notes(result.notes)
    left_out = [NOT_PLACED.format(where=where(location), text=text[:80]) for location, text in result.skipped]
    left_out += [no_body(finding) for finding in result.problems]
    if limit is not None and len(left_out) > limit:
        left_out = [*left_out[:limit], MORE.format(count=len(left_out) - limit)]
    return lines + left_out


# An admin's booklet that would leave the content with errors: refused, the running content kept.
RELOAD_REFUSED = (
    "Chưa đưa tài liệu vào nội dung: nội dung mới sẽ có {count} lỗi, nên bot vẫn trả lời từ nội dung cũ "
    "và thư mục nội dung được giữ nguyên. Các lỗi:"
)
RELOAD_MORE = "… và {count} lỗi nữa (xem đủ bằng lệnh chibo content check trên máy chủ)."


# -- a booklet sent in chat (bot/dialogue/booklets.py) ----------------------------------------------------------

BOOKLET_CONFIRM = "Đưa vào nội dung"
BOOKLET_CONFIRM_ALL = "Cho cả hệ thống"
BOOKLET_CONFIRM_OWN = "Chỉ cho {unit}"
BOOKLET_CANCEL = "Thôi"
BOOKLET_CANCELLED = "Đã huỷ, nội dung không thay đổi."
BOOKLET_TOO_LARGE = (
    "Tài liệu quá dài để nhận qua trò chuyện; đồng chí nhờ quản trị máy chủ dùng lệnh chibo content import."
)
BOOKLET_INVALID = "Tài liệu đọc được nhưng có mục chưa hợp lệ; đồng chí kiểm tra lại tệp."
BOOKLET_ADDED = "Đã đưa vào nội dung ({name}). Bot đang trả lời từ {total} mục."


def booklet_preview(
    filename: str,
    kind: str,
    first: Sequence[str],
    total: int,
    findings: Sequence[str],
    source: str,
    own: tuple[str, str] | None,
) -> str:
    """What the admin reads before confirming a booklet: what was recognised, its first entries, the findings,
    the source line, and whether it is for everyone or for their own organisation (code, name)."""
    lines = [f"Tệp {filename}: tôi nhận ra {total} {NOUN[kind]}."]
    lines += [f"• {title}" for title in first]
    if total > len(first):
        lines.append(f"• … và {total - len(first)} mục nữa.")
    lines += findings
    lines.append(f"Nguồn sẽ ghi: {source}")
    if own is None:
        lines.append("Đưa vào nội dung để mọi chi bộ hỏi được ngay?")
    else:
        lines.append(
            f"Tài liệu này dùng cho cả hệ thống (tài liệu của Trung ương), hay chỉ cho {own[1]} và các chi bộ "
            f"trực thuộc (kế hoạch của đảng bộ, mã tổ chức {own[0]})?"
        )
    return "\n".join(lines)
