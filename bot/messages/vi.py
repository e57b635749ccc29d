"""Every sentence a member reads, in one place, so it can be reviewed together."""

from __future__ import annotations

from collections.abc import Sequence

from bot.knowledge.content import Entry

NOT_FOUND = "Tôi chưa tìm thấy câu trả lời trong tài liệu học tập cho câu hỏi này."
DID_YOU_MEAN = "Có phải đồng chí muốn hỏi:"
AMBIGUOUS = "Câu hỏi của đồng chí có thể ứng với nhiều nội dung khác nhau."
NO_SUGGESTION = (
    "Đồng chí thử hỏi ngắn gọn hơn, nêu rõ tên nghị quyết, hội nghị hoặc thuật ngữ; "
    "gõ /thuatngu để xem các thuật ngữ, hoặc hỏi trực tiếp đồng chí bí thư chi bộ."
)
GREETING = (
    "Xin chào đồng chí! Tôi giải đáp các câu hỏi về việc học tập, quán triệt Nghị quyết Đại hội XIV "
    "của Đảng theo tài liệu chính thức. Đồng chí cứ gõ câu hỏi, ví dụ: “Bài thu hoạch nộp khi nào?”"
)
THANKS = "Cảm ơn đồng chí. Khi cần, đồng chí cứ gõ câu hỏi tiếp."
EMPTY = "Đồng chí gõ câu hỏi giúp tôi, ví dụ: “Nghị quyết 72 về gì?”"
CONTENT_ERRORS = "Nội dung có {count} lỗi; các mục lỗi tạm thời không được dùng:"
CONTENT_OK = "Nội dung hợp lệ: {qa} câu hỏi - đáp, {terms} thuật ngữ."
CONTENT_WARNINGS = "Có {count} lưu ý (không chặn việc nạp nội dung)."


# The kind of document a plan's source names first ("Kế hoạch ...", "Công văn ..."), for "Theo Kế hoạch của ...".
DOCUMENT_KINDS = ("Kế hoạch", "Công văn", "Hướng dẫn", "Chương trình", "Thông báo", "Chỉ thị", "Quyết định")
NOT_IN_YOUR_PLAN = "— kế hoạch của đảng bộ đồng chí chưa có nội dung này."
GUEST_PLAN = (
    "Đây là nội dung của {organisation}, chưa chắc đã là của đảng bộ đồng chí. Để được trả lời theo kế hoạch của "
    "đảng bộ mình và nhận lời nhắc của chi bộ, đồng chí xin bí thư chi bộ mã mời rồi gõ /thamgia <mã mời>."
)


def source_line(entry: Entry) -> str:
    return f"Nguồn: {entry.source}" + (f", {entry.ref}" if entry.ref else "")


def plan_of(entry: Entry) -> str:
    """ "Kế hoạch của Đảng ủy phường Việt Hưng": the document an organisation's entry comes from."""
    kind = next((k for k in DOCUMENT_KINDS if entry.source.startswith(k)), "Tài liệu")
    return f"{kind} của {entry.organisation or entry.scope}"


def answer(entry: Entry, *, foreign: bool = False, joined: bool = True) -> str:
    """The answer first, then where it comes from. An organisation's entry names the organisation in its first
    line; shown to someone of another organisation (``foreign``), it says it is not theirs."""
    body = f"{entry.title}: {entry.text}" if entry.kind == "term" else entry.text
    if entry.scope is not None:
        body = f"Theo {plan_of(entry)}{',' if entry.kind == 'term' else ':'} {body}"
        if foreign and joined:
            body = f"{body}\n{NOT_IN_YOUR_PLAN}"
        elif foreign:
            body = f"{body}\n\n{GUEST_PLAN.format(organisation=entry.organisation or entry.scope)}"
    return f"{body}\n\n{source_line(entry)}"


def suggestion_label(entry: Entry, *, foreign: bool = False) -> str:
    """A suggested question; another organisation's is labelled with its name."""
    label = f"{entry.title} là gì?" if entry.kind == "term" else entry.title
    if foreign and entry.scope is not None:
        label = f"{label} ({entry.organisation or entry.scope})"
    return label


def term_label(entry: Entry, *, foreign: bool = False) -> str:
    """A term in a list; another organisation's is labelled with its name."""
    if foreign and entry.scope is not None:
        return f"{entry.title} ({entry.organisation or entry.scope})"
    return entry.title


def refusal(suggestions: Sequence[Entry], *, ambiguous: bool = False, foreign: Sequence[bool] = ()) -> str:
    """``foreign``: per suggestion, whether it is another organisation's (labelled with its name)."""
    lines = [AMBIGUOUS if ambiguous else NOT_FOUND]
    if suggestions:
        lines.append(DID_YOU_MEAN)
        marks = list(foreign) + [False] * (len(suggestions) - len(foreign))
        lines.extend(
            f"{i}. {suggestion_label(e, foreign=f)}" for i, (e, f) in enumerate(zip(suggestions, marks, strict=True), 1)
        )
    else:
        lines.append(NO_SUGGESTION)
    return "\n".join(lines)


def chatter(normalized: str) -> str:
    thanks = any(w in normalized.split() for w in ("thanks", "thank", "tks", "thx")) or "cam on" in normalized
    return THANKS if thanks else GREETING


WELCOME = (
    "Xin chào đồng chí{name}! Tôi là trợ lý học tập của chi bộ.\n"
    "Tôi giải đáp câu hỏi về việc nghiên cứu, học tập, quán triệt Nghị quyết Đại hội XIV của Đảng, "
    "theo tài liệu Hỏi - đáp và tài liệu thuật ngữ chính thức, kèm nguồn.\n\n"
    "Đồng chí cứ gõ câu hỏi như khi nhắn tin, có dấu hay không dấu đều được, ví dụ:\n"
    "• Bài thu hoạch nộp khi nào?\n"
    "• nghi quyet 72 ve gi\n"
    "• Bốn kiên định là gì?\n\n"
    "Gõ /huongdan để xem các lệnh."
)
HELP_HEAD = "Các lệnh đồng chí có thể dùng:"
HELP_FOOT = "Trong nhóm chat, đồng chí gọi tôi bằng lệnh, nhắc tên tôi hoặc trả lời tin nhắn của tôi."


def help_text(lines: Sequence[str]) -> str:
    """Only the commands the reader's role may use."""
    return "\n".join([HELP_HEAD, *lines, "", HELP_FOOT])


# A button pressed again after its request was done (or a flow that has ended).
ALREADY_DONE = "Yêu cầu này đã được xử lý."
DENIED = "Xin lỗi đồng chí, việc này chỉ bí thư chi bộ hoặc cán bộ đảng ủy phụ trách mới làm được."
NOT_JOINED = (
    "Việc này dành cho đảng viên đã tham gia chi bộ trên hệ thống. Đồng chí xin mã mời của bí thư chi bộ, "
    "rồi gõ /thamgia <mã mời>."
)
PRIVATE_ONLY = "Việc này cần làm trong tin nhắn riêng với tôi, không làm trong nhóm."
ASK_WHAT = "Đồng chí gõ câu hỏi ngay sau lệnh, ví dụ: /hoi Bài thu hoạch nộp khi nào?"
UNKNOWN_COMMAND = "Tôi chưa biết lệnh /{command}. Đồng chí gõ /huongdan để xem các lệnh."
TERM_LIST = "Các thuật ngữ trong tài liệu (trang {page}/{pages}). Đồng chí chọn một thuật ngữ để xem giải thích:"
TERM_LIST_EMPTY = "Hiện chưa có thuật ngữ nào trong tài liệu."
TERM_NOT_FOUND = "Tôi chưa tìm thấy thuật ngữ “{word}” trong tài liệu. Đồng chí gõ /thuatngu để xem danh sách."
TERM_CHOOSE = "Có {count} thuật ngữ gần với “{word}”. Đồng chí chọn một:"
PREVIOUS_PAGE = "« Trang trước"
NEXT_PAGE = "Trang sau »"
USEFUL = "Hữu ích"
NOT_RIGHT = "Chưa đúng"
THANKS_FEEDBACK = "Cảm ơn đồng chí đã góp ý."
FEEDBACK_ALREADY = "Đồng chí đã góp ý cho câu trả lời này rồi."
STALE_BUTTON = "Nội dung này không còn trong tài liệu. Đồng chí gõ lại câu hỏi giúp tôi."
FILE_TOO_LARGE = "Tệp này lớn quá (quá 10 MB), tôi chưa nhận được. Đồng chí gửi tệp nhỏ hơn giúp tôi."
UNREADABLE_FILE = {
    "empty": "Tệp {name} không có chữ nào. Đồng chí kiểm tra lại rồi gửi tệp khác giúp tôi.",
    "binary": (
        "Tệp {name} không phải tệp văn bản nên tôi chưa đọc được (có thể là tệp Excel hoặc ảnh được đổi tên). "
        "Đồng chí gửi đúng tệp .xlsx, hoặc lưu lại thành .csv rồi gửi giúp tôi."
    ),
    "encoding": (
        "Tệp {name} dùng bảng mã chữ tôi chưa đọc được. Đồng chí mở tệp bằng Excel hoặc Notepad, "
        "lưu lại với bảng mã UTF-8 (trong Excel: “CSV UTF-8”) rồi gửi lại giúp tôi."
    ),
    "too_large": "Tệp {name} lớn quá (quá 10 MB), tôi chưa đọc được. Đồng chí gửi tệp nhỏ hơn giúp tôi.",
}
FILE_NOT_EXPECTED = "Tôi chưa dùng được tệp này. Đồng chí gõ câu hỏi bằng chữ giúp tôi."
NOT_TEXT = "Hiện tôi chỉ đọc được tin nhắn chữ. Đồng chí gõ câu hỏi giúp tôi."
APOLOGY = "Xin lỗi đồng chí, tôi vừa gặp trục trặc khi xử lý tin nhắn. Đồng chí thử lại sau ít phút giúp tôi."
RELATED = "Câu hỏi liên quan:"
