"""The console's words in Vietnamese (default) and English, and local date and number formats."""

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LANGS = ("vi", "en")

# key -> (Vietnamese, English)
WORDS: dict[str, tuple[str, str]] = {
    "app": ("TTQ — Bảng điều khiển", "TTQ — Console"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "phone": ("Số điện thoại", "Phone number"),
    "password": ("Mật khẩu", "Password"),
    "bad_login": ("Số điện thoại hoặc mật khẩu không đúng", "Wrong phone number or password"),
    "too_many": (
        "Đăng nhập sai quá nhiều lần, thử lại sau {s} giây",
        "Too many failed sign-ins, try again in {s} seconds",
    ),
    "busy": (
        "Máy chủ đang bận xử lý nhiều lượt đăng nhập, thử lại sau {s} giây",
        "The server is busy with many sign-ins, try again in {s} seconds",
    ),
    "csrf": (
        "Phiên biểu mẫu đã hết hạn, hãy tải lại trang và thử lại",
        "The form expired; reload the page and try again",
    ),
    "not_found": ("Không tìm thấy", "Not found"),
    "not_found_text": (
        "Trang hoặc đối tượng này không tồn tại hoặc bạn không có quyền xem.",
        "This page or object does not exist, or you may not see it.",
    ),
    "forbidden": ("Bạn không có quyền thực hiện thao tác này", "You may not do this"),
    "error": ("Không thực hiện được", "Could not do that"),
    "database_unavailable": (
        "Hệ thống tạm thời không sẵn sàng. Vui lòng thử lại sau ít giây.",
        "The system is unavailable for a moment. Try again in a few seconds.",
    ),
    "database_timeout": (
        "Yêu cầu xử lý quá lâu nên đã bị dừng. Vui lòng thử lại sau, hoặc chọn khoảng thời gian "
        "ngắn hơn.",
        "The request took too long and was stopped. Try again later, or pick a shorter period.",
    ),
    "internal_error": (
        "Đã xảy ra lỗi. Lỗi đã được ghi lại; nếu lặp lại, hãy báo quản trị viên kèm mã bên dưới.",
        "Something went wrong. It was logged; if it happens again, tell an administrator the "
        "code below.",
    ),
    "home": ("Trang chính", "Home"),
    "language": ("English", "Tiếng Việt"),
    "queue": ("Hàng chờ xử lý", "Queue"),
    "queue_empty": ("Không có vụ việc nào chờ xử lý.", "Nothing waiting for you."),
    "live": ("Trực tuyến", "Live"),
    "offline": ("Mất kết nối, đang thử lại…", "Disconnected, retrying…"),
    "new_item": ("Có vụ việc mới", "New incident"),
    "due_in": ("Hạn xác nhận", "Acknowledge by"),
    "overdue": ("Quá hạn", "Overdue"),
    "acknowledge": ("Xác nhận", "Acknowledge"),
    "open": ("Mở", "Open"),
    "incident": ("Vụ việc", "Incident"),
    "incidents": ("Vụ việc", "Incidents"),
    "older": ("Cũ hơn →", "Older →"),
    "status": ("Trạng thái", "Status"),
    "severity": ("Mức độ", "Severity"),
    "category": ("Loại", "Category"),
    "occurred_at": ("Thời điểm xảy ra", "Occurred"),
    "place": ("Địa điểm", "Place"),
    "summary": ("Nội dung", "Summary"),
    "reporter": ("Người báo tin", "Reporter"),
    "sealed": (
        "Người báo tin được bảo vệ: danh tính đã niêm phong",
        "Protected reporter: identity sealed",
    ),
    "reveal": ("Mở niêm phong (phá kính)", "Break glass: reveal"),
    "reveal_reason": ("Lý do mở niêm phong (bắt buộc)", "Reason for revealing (required)"),
    "revealed": ("Danh tính đã mở (được ghi nhật ký)", "Identity revealed (audited)"),
    "persons": ("Người liên quan", "Persons involved"),
    "persons_redacted": (
        "Ẩn trong góc nhìn công đoàn (vụ việc nhạy cảm)",
        "Withheld in the union view (sensitive case)",
    ),
    "none": ("Không có", "None"),
    "photos": ("Ảnh", "Photos"),
    "withheld": ("Ẩn trong góc nhìn này", "Withheld in this view"),
    "timeline": ("Diễn biến", "Timeline"),
    "map": ("Bản đồ", "Map"),
    "no_location": ("Không có toạ độ", "No coordinates"),
    "actions": ("Xử lý", "Actions"),
    "comment": ("Ghi chú", "Comment"),
    "add_comment": ("Thêm ghi chú", "Add comment"),
    "ask_reporter": ("Hỏi người báo tin", "Ask the reporter"),
    "question": ("Câu hỏi", "Question"),
    "send": ("Gửi", "Send"),
    "outcome": ("Kết quả", "Outcome"),
    "outcome_note": ("Ghi chú kết quả", "Outcome note"),
    "duplicate_of": ("Trùng với vụ việc (mã)", "Duplicate of (incident id)"),
    "target_user": ("Chuyển cho đồng nghiệp", "Hand on to a colleague"),
    "target_unit": ("Hoặc lên đơn vị hành chính", "Or up to an admin unit"),
    "done": ("Đã thực hiện", "Done"),
    "dashboard": ("Tổng quan", "Dashboard"),
    "filters": ("Bộ lọc", "Filters"),
    "search": ("Tìm kiếm (không cần dấu)", "Search (diacritics ignored)"),
    "apply": ("Lọc", "Apply"),
    "export_csv": ("Tải CSV", "Download CSV"),
    "export_xlsx": ("Tải XLSX", "Download XLSX"),
    "all": ("Tất cả", "All"),
    "more": ("Xem thêm", "More"),
    "figures": ("Số liệu", "Figures"),
    "teams": ("Tổ tự quản", "Teams"),
    "houses": ("Nhà trọ", "Boarding houses"),
    "patrols": ("Tuần tra", "Patrols"),
    "users": ("Người dùng", "Users"),
    "audit": ("Nhật ký", "Audit log"),
    "role": ("Vai trò", "Role"),
    "name": ("Tên", "Name"),
    "trend": ("Xu hướng vụ việc theo tuần", "Incidents per week"),
    "your_team": ("Tổ của bạn", "Your team"),
    "deadline": ("Hạn", "Deadline"),
    "skip": ("Bỏ qua đến nội dung", "Skip to content"),
    "menu": ("Trình đơn", "Menu"),
    "reports": ("Báo cáo định kỳ", "Periodic reports"),
    "report_status": ("Tình hình nộp báo cáo", "Who has reported"),
    "new_report": ("Lập báo cáo", "New report"),
    "unit": ("Đơn vị", "Unit"),
    "period": ("Kỳ báo cáo", "Period"),
    "period_kind": ("Loại kỳ", "Period kind"),
    "number": ("Số hiệu", "Number"),
    "narrative": ("Kiến nghị, đề xuất (phần lời)", "Narrative and proposals"),
    "save": ("Lưu", "Save"),
    "submit_report": ("Nộp lên LĐLĐ", "Submit to the federation"),
    "print": ("In", "Print"),
    "download_xlsx": ("Tải XLSX", "Download XLSX"),
    "submitted_at": ("Nộp lúc", "Submitted at"),
    "on_time": ("Đúng hạn", "On time"),
    "late": ("Trễ hạn", "Late"),
    "missing": ("Chưa nộp", "Not submitted"),
    "draft": ("Bản nháp", "Draft"),
    "submitted": ("Đã nộp", "Submitted"),
    "due_on": ("Hạn nộp", "Due"),
    "import": ("Nhập dữ liệu hàng loạt", "Bulk import"),
    "import_kind": ("Loại dữ liệu", "What to import"),
    "import_file": ("Tệp CSV hoặc XLSX", "CSV or XLSX file"),
    "template": ("Tệp mẫu", "Template"),
    "kind_sites": ("Khu công nghiệp", "Sites"),
    "kind_houses": ("Nhà trọ", "Boarding houses"),
    "kind_teams": ("Tổ tự quản", "Teams"),
    "kind_members": ("Tổ viên", "Members"),
    "dry_run": ("Kiểm tra (chưa ghi)", "Check (dry run)"),
    "run_import": ("Nhập vào hệ thống", "Run the import"),
    "import_ok": ("Không có lỗi: có thể nhập", "No problem: ready to import"),
    "import_problems": ("Có lỗi cần sửa trong tệp", "Problems to fix in the file"),
    "import_done": ("Đã nhập xong", "Imported"),
    "rows": ("Số dòng", "Rows"),
    "created": ("Thêm mới", "Created"),
    "updated": ("Cập nhật", "Updated"),
    "unchanged": ("Không đổi", "Unchanged"),
    "problems": ("Lỗi", "Problems"),
    "row": ("Dòng", "Row"),
    "column": ("Cột", "Column"),
    "problem": ("Lỗi", "Problem"),
    "value": ("Giá trị", "Value"),
    "table_teams": ("Xếp hạng tổ", "Team ranking"),
    "table_coverage": ("Tuần tra và vụ việc", "Patrols against incidents"),
    "table_uncovered": ("Nhà trọ chưa tuần tra", "Houses not patrolled"),
    "table_completeness": ("Tổ chậm báo cáo", "Teams behind on reporting"),
}

ACTION_WORDS: dict[str, tuple[str, str]] = {
    "triage": ("Tiếp nhận", "Triage"),
    "escalate": ("Chuyển công an", "Escalate to police"),
    "acknowledge": ("Xác nhận", "Acknowledge"),
    "hand_on": ("Chuyển tiếp", "Hand on"),
    "start": ("Bắt đầu xử lý", "Start"),
    "resolve": ("Đã giải quyết", "Resolve"),
    "close": ("Đóng", "Close"),
    "reject": ("Từ chối", "Reject"),
    "mark_duplicate": ("Đánh dấu trùng", "Mark duplicate"),
    "reopen": ("Mở lại", "Reopen"),
    "submit": ("Gửi", "Submit"),
}

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "draft": ("Nháp", "Draft"),
    "submitted": ("Mới gửi", "Submitted"),
    "triaged": ("Đã tiếp nhận", "Triaged"),
    "escalated": ("Đã chuyển công an", "Escalated"),
    "acknowledged": ("Đã xác nhận", "Acknowledged"),
    "in_progress": ("Đang xử lý", "In progress"),
    "resolved": ("Đã giải quyết", "Resolved"),
    "closed": ("Đã đóng", "Closed"),
    "rejected": ("Đã từ chối", "Rejected"),
    "duplicate": ("Trùng", "Duplicate"),
    "reopened": ("Mở lại", "Reopened"),
}

ROLE_WORDS: dict[str, tuple[str, str]] = {
    "system_admin": ("Quản trị hệ thống", "System administrator"),
    "city_union_officer": ("Cán bộ LĐLĐ thành phố", "City federation officer"),
    "union_officer": ("Cán bộ công đoàn", "Union officer"),
    "police_liaison": ("Cán bộ công an", "Police liaison"),
    "team_leader": ("Tổ trưởng", "Team leader"),
    "team_member": ("Tổ viên", "Team member"),
}


def pick(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def number(value: float | int | None, digits: int = 0) -> str:
    """Vietnamese number format: 1.234.567,8 (dot for thousands, comma for decimals)."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def local_time(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A UTC time shown in Asia/Ho_Chi_Minh, day first as Vietnamese write it."""
    if value is None:
        return "—"
    return value.astimezone(LOCAL_TZ).strftime(fmt)


# The union pages keep their words in their own module (merged here, one line per module).
from backend.console.words_union import UNION_WORDS  # noqa: E402

WORDS.update(UNION_WORDS)
from backend.console import words_admin as _words_admin  # noqa: E402,F401  (admin pages)
