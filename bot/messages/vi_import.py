"""What the person importing a booklet reads: what was found, what was left out, and where."""

from __future__ import annotations

from collections.abc import Sequence

SCANNED_PDF = (
    "Tệp PDF này là bản quét (ảnh chụp trang), không có lớp chữ nên tôi chưa đọc được. Đồng chí gửi bản Word "
    "(.docx) hoặc bản PDF xuất trực tiếp từ Word giúp tôi; nếu chỉ có bản quét, cần nhận dạng chữ (OCR) trước."
)

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


def where(number: int, page: int = 0, row: int = 0) -> str:
    """Where a line is: on a page of a PDF, or its number in the file."""
    return f"Trang {page}, dòng {row}" if page else f"Dòng {number}"


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


def pdf_notes(pages: int, running: Sequence[str], page_numbers: int, without_text: Sequence[int]) -> list[str]:
    notes = []
    if running:
        shown = "; ".join(f"“{text[:70]}”" for text in running[:4])
        notes.append(f"Đã bỏ đầu trang, chân trang lặp lại trên các trang: {shown}.")
    if page_numbers:
        notes.append(f"Đã bỏ {page_numbers} số trang.")
    if without_text:
        listed = ", ".join(str(p) for p in without_text[:10]) + (" …" if len(without_text) > 10 else "")
        notes.append(f"Trang {listed} không có lớp chữ (ảnh quét), tôi chưa đọc được; {pages} trang tất cả.")
    return notes


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
BOOKLET_DONE = "Yêu cầu này đã được xử lý."
BOOKLET_TOO_LARGE = (
    "Tài liệu quá dài để nhận qua trò chuyện; đồng chí nhờ quản trị máy chủ dùng lệnh chibo content import."
)
BOOKLET_INVALID = "Tài liệu đọc được nhưng có mục chưa hợp lệ; đồng chí kiểm tra lại tệp."
BOOKLET_ADDED = "Đã đưa vào nội dung ({name}). Bot đang trả lời từ {total} mục."
BOOKLET_KIND = {"qa": "câu hỏi - đáp", "glossary": "thuật ngữ"}


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
    lines = [f"Tệp {filename}: tôi nhận ra {total} {BOOKLET_KIND[kind]}."]
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
