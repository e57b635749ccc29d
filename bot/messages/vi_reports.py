"""What a secretary or an admin reads around `/baocao` and `/chuatraloi` (the figures themselves are worded by
``bot/render/report_summary.py``)."""

from __future__ import annotations

from bot.domain.views import FormerMember, PastResult

HELP_REPORT = "/baocao — số liệu kiểm tra, tham dự, nộp bài của chi bộ (kèm tệp Excel và biểu đồ)"
HELP_UNANSWERED = "/chuatraloi — những câu đảng viên hỏi mà bot chưa trả lời được"
UNKNOWN_UNIT = "Không tìm thấy đơn vị này. Số đơn vị xem ở /donvi."
REMIND = "Nhắc người chưa hoàn thành"
REMINDED = "Đã gửi lời nhắc tới {n} đồng chí còn thiếu."
NOBODY = "Không còn ai thiếu việc gì để nhắc."
ALREADY = "Lời nhắc vừa được gửi rồi."
NO_UNANSWERED = "Chưa có câu hỏi nào mà bot không trả lời được."
UNANSWERED = "Câu hỏi chưa trả lời được (nhiều nhất trước):"
DRAFT = "Soạn báo cáo gửi cấp trên"
DETAIL = "Chi tiết: {name}"  # one unit below, from a committee's report
DRAFT_BEFORE = "Báo cáo trước hội nghị (số dự kiến tham dự)"
DRAFT_AFTER = "Báo cáo sau hội nghị (kết quả học tập)"
DRAFTED = (
    "Dự thảo báo cáo {what} (.docx, theo thể thức văn bản của Đảng — Hướng dẫn 36-HD/VPTW). Đồng chí ghi số "
    "văn bản, bổ sung phần đánh giá trong ngoặc vuông, ký rồi gửi cấp trên."
)
DRAFT_WHAT = {"before": "số lượng đảng viên dự kiến tham dự", "after": "kết quả học tập, quán triệt"}
_DID = {"attend": "tham dự", "absent": "vắng", "submitted": "đã nộp"}


def unanswered_list(rows: list[tuple[str, int]]) -> str:
    return "\n".join([UNANSWERED] + [f"{n} lần — {text}" for text, n in rows])


def past_result(result: PastResult) -> str:
    if result.kind == "quiz":
        return f"kiểm tra “{result.title}” {result.score}/{result.total}"
    return f"{_DID.get(result.kind, result.kind)} “{result.title}”"


def former_member(former: FormerMember) -> str:
    """ "Trần Thị Bình (đã rời): kiểm tra “Bài thử” 1/2; vắng “Hội nghị quán triệt”"."""
    who = f"{former.name} (đã rời)" if former.name else "(đã xoá tên)"
    return f"{who}: {'; '.join(past_result(r) for r in former.results)}"
