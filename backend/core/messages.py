"""Problem titles in Vietnamese (default) and English, keyed by stable error code."""

# code -> (Vietnamese, English). Codes are part of the mobile contract: never rename one.
TITLES: dict[str, tuple[str, str]] = {
    "bad_request": ("Yêu cầu không hợp lệ", "Bad request"),
    "validation_error": ("Dữ liệu không hợp lệ", "Invalid input"),
    "not_found": ("Không tìm thấy", "Not found"),
    "unauthorized": ("Chưa đăng nhập hoặc phiên đã hết hạn", "Not signed in or session expired"),
    "invalid_credentials": ("Số điện thoại hoặc mật khẩu không đúng", "Wrong phone or password"),
    "invalid_refresh_token": ("Mã làm mới phiên không hợp lệ", "Invalid refresh token"),
    "refresh_token_reused": (
        "Mã làm mới đã được dùng; mọi phiên của thiết bị đã bị thu hồi",
        "Refresh token reused; all sessions of this device were revoked",
    ),
    "too_many_attempts": (
        "Đăng nhập sai quá nhiều lần, vui lòng thử lại sau",
        "Too many failed sign-ins, try again later",
    ),
    "forbidden": ("Bạn không có quyền thực hiện thao tác này", "You may not do this"),
    "conflict": ("Xung đột dữ liệu", "Conflict"),
    "duplicate": ("Bản ghi đã tồn tại", "Already exists"),
    "precondition_failed": (
        "Dữ liệu đã bị người khác thay đổi, hãy tải lại",
        "Changed by someone else since you read it; reload",
    ),
    "precondition_required": (
        "Cần gửi tiêu đề If-Match với ETag hiện tại",
        "Send If-Match with the current ETag",
    ),
    "method_not_allowed": ("Phương thức không được hỗ trợ", "Method not allowed"),
    "payload_too_large": ("Dữ liệu gửi lên quá lớn", "Payload too large"),
    "unsupported_media_type": ("Định dạng không được hỗ trợ", "Unsupported media type"),
    "internal_error": ("Lỗi hệ thống, vui lòng thử lại sau", "Internal error, try again later"),
    "unknown_role": ("Vai trò không tồn tại", "Unknown role"),
    "invalid_phone": ("Số điện thoại không hợp lệ", "Invalid phone number"),
    "phone_taken": ("Số điện thoại đã được đăng ký", "Phone number already registered"),
    "unknown_unit": ("Đơn vị không tồn tại", "Unknown unit"),
    "invalid_scope": ("Phạm vi không phù hợp với vai trò", "Scope does not fit the role"),
    "tree_cycle": (
        "Không thể chuyển một đơn vị vào chính nhánh con của nó",
        "A unit cannot be moved under its own subtree",
    ),
    "has_children": ("Đơn vị còn đơn vị con", "Unit still has children"),
    "code_taken": ("Mã đã được sử dụng", "Code already in use"),
    "invalid_cursor": ("Con trỏ phân trang không hợp lệ", "Invalid pagination cursor"),
    "account_disabled": ("Tài khoản đã bị khóa", "Account disabled"),
}

# Pydantic error type -> Vietnamese message for per-field errors.
FIELD_MESSAGES_VI: dict[str, str] = {
    "missing": "Thiếu trường bắt buộc",
    "string_too_short": "Chuỗi quá ngắn",
    "string_too_long": "Chuỗi quá dài",
    "string_type": "Phải là chuỗi ký tự",
    "int_parsing": "Phải là số nguyên",
    "int_type": "Phải là số nguyên",
    "float_parsing": "Phải là số",
    "bool_parsing": "Phải là true hoặc false",
    "uuid_parsing": "Phải là UUID hợp lệ",
    "uuid_type": "Phải là UUID hợp lệ",
    "datetime_parsing": "Thời gian phải theo RFC 3339",
    "datetime_from_date_parsing": "Thời gian phải theo RFC 3339",
    "timezone_aware": "Thời gian phải có múi giờ",
    "date_parsing": "Ngày phải theo dạng YYYY-MM-DD",
    "greater_than_equal": "Giá trị quá nhỏ",
    "less_than_equal": "Giá trị quá lớn",
    "greater_than": "Giá trị quá nhỏ",
    "less_than": "Giá trị quá lớn",
    "enum": "Giá trị không nằm trong danh sách cho phép",
    "literal_error": "Giá trị không nằm trong danh sách cho phép",
    "json_invalid": "JSON không hợp lệ",
    "extra_forbidden": "Trường không được phép",
    "value_error": "Giá trị không hợp lệ",
    "too_long": "Quá nhiều phần tử",
    "too_short": "Quá ít phần tử",
    "list_type": "Phải là danh sách",
    "dict_type": "Phải là đối tượng",
    "model_attributes_type": "Phải là đối tượng",
}


def pick_language(accept_language: str | None) -> str:
    """Vietnamese unless the client ranks English above it."""
    if not accept_language:
        return "vi"
    best, best_q = "vi", -1.0
    for part in accept_language.split(","):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        primary = tag.split("-")[0]
        if primary in ("vi", "en") and q > best_q:
            best, best_q = primary, q
    return best


def title_for(code: str, lang: str) -> str:
    """The human title of an error code in the asked language."""
    vi, en = TITLES.get(code, TITLES["bad_request"])
    return en if lang == "en" else vi
