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
    "nul_character": (
        "Văn bản chứa ký tự NUL không được phép",
        "Text contains a NUL character, which is not allowed",
    ),
    "account_disabled": ("Tài khoản đã bị khóa", "Account disabled"),
    "webhook_url_invalid": ("Địa chỉ webhook không hợp lệ", "Invalid webhook URL"),
    "webhook_destination_refused": (
        "Webhook không được trỏ tới địa chỉ nội bộ",
        "A webhook may not target an internal address",
    ),
    "weak_password": ("Mật khẩu quá yếu", "Password too weak"),
    "attachment_unsafe_content": (
        "Tệp đính kèm chứa nội dung không an toàn",
        "The attachment carries unsafe content",
    ),
    "database_unavailable": (
        "Hệ thống tạm thời không sẵn sàng, vui lòng thử lại sau",
        "Temporarily unavailable, try again later",
    ),
    "database_timeout": (
        "Yêu cầu xử lý quá lâu nên đã bị dừng, vui lòng thử lại sau",
        "The request took too long and was stopped, try again later",
    ),
    "server_busy": (
        "Máy chủ đang bận xử lý nhiều lượt đăng nhập, vui lòng thử lại sau ít giây",
        "The server is busy with many sign-ins, try again in a few seconds",
    ),
    "key_unavailable": (
        "Không giải mã được dữ liệu được bảo vệ: máy chủ thiếu khóa mã hóa, hãy báo quản trị viên",
        "Protected data cannot be opened: the server lacks its encryption key, tell the admin",
    ),
    "webhook_unit_required": (
        "Cần chọn đúng một đơn vị công đoàn hoặc đơn vị hành chính",
        "Name exactly one union unit or administrative unit",
    ),
    "delivery_not_failed": (
        "Chỉ gửi lại được thông báo đã thất bại",
        "Only a failed delivery can be retried",
    ),
    "invalid_last_event_id": ("Last-Event-ID không hợp lệ", "Invalid Last-Event-ID"),
    "incident_conflict": (
        "Mã vụ việc đã được dùng cho một nội dung khác",
        "This incident id was already used with a different body",
    ),
    "invalid_transition": ("Không thể chuyển trạng thái này", "This transition is not allowed"),
    "unknown_category": ("Loại vụ việc không tồn tại", "Unknown incident category"),
    "unknown_team": ("Tổ tự quản không tồn tại", "Unknown team"),
    "team_required": ("Cần chọn tổ tự quản", "Name the team"),
    "unknown_house": ("Nhà trọ không tồn tại", "Unknown boarding house"),
    "unknown_site": ("Khu công nghiệp không tồn tại", "Unknown site"),
    "unknown_enterprise": ("Doanh nghiệp không tồn tại", "Unknown enterprise"),
    "labour_fields_required": (
        "Vụ việc lao động cần doanh nghiệp, số người và thời điểm bắt đầu",
        "A labour incident needs the enterprise, workers involved and start",
    ),
    "labour_fields_not_allowed": (
        "Chỉ vụ việc lao động mới có thông tin doanh nghiệp và số người",
        "Only labour incidents carry enterprise and workers involved",
    ),
    "outcome_required": ("Cần ghi kết quả xử lý", "Give the outcome"),
    "comment_required": ("Cần ghi lý do", "Give a reason"),
    "duplicate_of_required": ("Cần chọn vụ việc gốc", "Name the original incident"),
    "invalid_duplicate": ("Vụ việc gốc không hợp lệ", "Invalid original incident"),
    "handoff_target_required": ("Cần chọn người hoặc đơn vị nhận", "Name who takes it over"),
    "handoff_target_out_of_scope": (
        "Người hoặc đơn vị nhận không phụ trách địa bàn của vụ việc",
        "The new handler does not cover the incident's area",
    ),
    "reporter_not_protected": (
        "Người báo tin không yêu cầu giữ bí mật danh tính",
        "The reporter's identity is not sealed",
    ),
    "not_reporter": ("Chỉ người báo tin mới được trả lời", "Only the reporter may answer"),
    "unknown_question": ("Câu hỏi không tồn tại", "Unknown question"),
    "attachment_too_large": ("Tệp đính kèm quá lớn", "Attachment too large"),
    "attachment_limit_reached": (
        "Vụ việc đã đủ số tệp đính kèm cho phép",
        "The incident has the maximum number of attachments",
    ),
    "unsupported_attachment_type": (
        "Chỉ nhận ảnh (JPEG, PNG, WebP, HEIC) và ghi âm (M4A, AAC, MP3, OGG, AMR, WAV, 3GP)",
        "Only photos (JPEG, PNG, WebP, HEIC) and audio (M4A, AAC, MP3, OGG, AMR, WAV, 3GP)",
    ),
    "attachment_unreadable": ("Không đọc được ảnh", "The image could not be read"),
    "attachment_conflict": (
        "Mã tệp đính kèm đã được dùng cho một tệp khác",
        "This attachment id was already used for other bytes",
    ),
    "incident_closed": ("Vụ việc đã đóng", "The incident is closed"),
    # --- patrols, scans, batch upload, Idempotency-Key ---
    "patrol_conflict": (
        "Mã chuyến tuần tra đã được dùng cho một nội dung khác",
        "This patrol id was already used with a different body",
    ),
    "patrol_end_conflict": (
        "Chuyến tuần tra đã kết thúc với thông tin khác",
        "The patrol has already ended with other details",
    ),
    "item_conflict": (
        "Mã bản ghi đã được dùng cho một nội dung khác",
        "This id was already used with a different body",
    ),
    "unknown_member": ("Người này không thuộc tổ tự quản", "Not a member of this team"),
    "unknown_kind": ("Loại bản ghi không được hỗ trợ", "Unknown item kind"),
    "gps_tracking_disabled": (
        "Tổ chưa đồng ý ghi lộ trình GPS",
        "GPS tracking is not enabled for this team",
    ),
    "invalid_patrol_times": (
        "Thời gian kết thúc phải sau thời gian bắt đầu",
        "The end must be after the start",
    ),
    "house_not_covered": (
        "Nhà trọ không thuộc địa bàn của tổ",
        "The team does not cover this house",
    ),
    "scan_not_flagged": (
        "Lượt quét không bị đánh dấu nên không cần duyệt",
        "The scan is not flagged; there is nothing to review",
    ),
    "idempotency_key_invalid": ("Idempotency-Key không hợp lệ", "Invalid Idempotency-Key"),
    "idempotency_key_reused": (
        "Idempotency-Key đã được dùng cho một yêu cầu khác",
        "This Idempotency-Key was used for a different request",
    ),
    "idempotency_in_flight": (
        "Yêu cầu với Idempotency-Key này đang được xử lý, hãy thử lại sau",
        "A request with this Idempotency-Key is still being processed; retry later",
    ),
    # registry: sites, enterprises, boarding houses
    "required": ("Thiếu thông tin bắt buộc", "Required"),
    "text_too_long": ("Nội dung quá dài", "Text too long"),
    "not_allowed": ("Giá trị không nằm trong danh sách cho phép", "Value not allowed"),
    "invalid_email": ("Địa chỉ email không hợp lệ", "Invalid email address"),
    "invalid_tax_code": (
        "Mã số thuế phải gồm 10 chữ số hoặc 10 chữ số-3 chữ số",
        "Tax code must be 10 digits or 10 digits-3 digits",
    ),
    "tax_code_taken": ("Mã số thuế đã được đăng ký", "Tax code already registered"),
    "not_a_count": ("Phải là số nguyên không âm", "Must be a non-negative whole number"),
    "invalid_coordinates": ("Tọa độ không hợp lệ", "Invalid coordinates"),
    "outside_vietnam": ("Vị trí nằm ngoài lãnh thổ Việt Nam", "Location is outside Vietnam"),
    "invalid_bbox": (
        "Khung bao không hợp lệ (minLon,minLat,maxLon,maxLat)",
        "Invalid bounding box (minLon,minLat,maxLon,maxLat)",
    ),
    "invalid_geometry": (
        "Ranh giới phải là GeoJSON Polygon hoặc MultiPolygon",
        "The boundary must be a GeoJSON Polygon or MultiPolygon",
    ),
    "invalid_polygon": (
        "Ranh giới không hợp lệ (tự cắt hoặc sai cấu trúc)",
        "Invalid boundary (self-intersecting or malformed)",
    ),
    "too_many_points": ("Ranh giới có quá nhiều điểm", "The boundary has too many points"),
    "has_enterprises": (
        "Khu còn doanh nghiệp đang hoạt động; hãy chuyển hoặc xóa trước",
        "The site still has enterprises; move or delete them first",
    ),
    "out_of_scope": (
        "Bản ghi sẽ nằm ngoài phạm vi quản lý của bạn",
        "The record would fall outside your scope",
    ),
    "too_many_houses": (
        "Quá nhiều nhà trọ cho một bản in; hãy lọc bớt",
        "Too many houses for one printout; narrow the filter",
    ),
    # monitoring: awareness sessions, commendations, exports
    "unknown_topic": ("Chủ đề tuyên truyền không tồn tại", "Unknown awareness topic"),
    "awareness_session_conflict": (
        "Mã buổi tuyên truyền đã được dùng cho một nội dung khác",
        "This awareness session id was already used with a different body",
    ),
    "invalid_recipient": (
        "Người hoặc tập thể được khen thưởng không hợp lệ",
        "Invalid commendation recipient",
    ),
    "invalid_period": ("Khoảng thời gian không hợp lệ", "Invalid period"),
    # teams, members, coverage, police jurisdictions, registry sync
    "not_team_manager": (
        "Bạn không quản lý tổ tự quản này",
        "You do not manage this team",
    ),
    "leader_reserved": (
        "Chỉ công đoàn mới được giao hoặc thôi vai trò tổ trưởng",
        "Only the union may give or end the leader role",
    ),
    "leader_exists": ("Tổ đã có tổ trưởng", "The team already has a leader"),
    "member_exists": ("Người này đã có trong tổ", "This person is already on the team"),
    "invalid_member_user": (
        "Tài khoản không tồn tại, đã khóa hoặc không phải tài khoản tổ tự quản",
        "Unknown or disabled account, or not a team account",
    ),
    "date_in_future": ("Ngày không được ở tương lai", "The date cannot be in the future"),
    "since_in_future": (
        "Ngày bắt đầu không được ở tương lai",
        "The start date cannot be in the future",
    ),
    "until_in_future": (
        "Ngày kết thúc không được ở tương lai",
        "The end date cannot be in the future",
    ),
    "already_covered": ("Tổ đang phụ trách nhà trọ này", "The team already covers this house"),
    "not_covered": ("Tổ không phụ trách nhà trọ này", "The team does not cover this house"),
    "team_deleted": ("Tổ tự quản đã bị xóa", "The team was deleted"),
    "invalid_id": ("Mã định danh không hợp lệ", "Invalid id"),
    "admin_unit_or_site": (
        "Cần chọn đúng một đơn vị hành chính hoặc một khu công nghiệp",
        "Name exactly one admin unit or one site",
    ),
    "not_police_liaison": (
        "Tài khoản không phải cán bộ công an phụ trách",
        "The account is not a police liaison",
    ),
    "jurisdiction_exists": (
        "Cán bộ đã được giao địa bàn này",
        "The liaison already has this jurisdiction",
    ),
    # dashboards, rollups, periodic reports
    "scope_invalid": ("Phạm vi không hợp lệ (union:<id>, admin:<id>, site:<id>)", "Invalid scope"),
    "period_invalid": ("Khoảng thời gian không hợp lệ", "Invalid period"),
    "period_too_long": ("Khoảng thời gian quá dài", "Period too long"),
    "bbox_invalid": ("Khung bản đồ không hợp lệ", "Invalid bounding box"),
    "report_exists": ("Đơn vị đã có báo cáo cho kỳ này", "A report for this period exists"),
    "report_submitted": ("Báo cáo đã gửi, không sửa được", "The report was already submitted"),
    "report_period_invalid": ("Kỳ báo cáo không hợp lệ", "Invalid report period"),
    # imports (CSV/XLSX onboarding)
    "file_too_large": ("Tệp quá lớn", "File too large"),
    "unsupported_file_type": (
        "Định dạng tệp không được hỗ trợ; hãy dùng CSV (UTF-8) hoặc XLSX",
        "Unsupported file type; use CSV (UTF-8) or XLSX",
    ),
    "xls_not_supported": (
        "Tệp Excel cũ (.xls) không được hỗ trợ; hãy lưu lại dưới dạng .xlsx",
        "Old Excel files (.xls) are not supported; save as .xlsx",
    ),
    "invalid_encoding": ("Tệp CSV phải dùng bảng mã UTF-8", "CSV files must be UTF-8"),
    "unreadable_file": ("Không đọc được tệp", "The file could not be read"),
    "empty_file": ("Tệp không có dòng dữ liệu nào", "The file has no data rows"),
    "too_many_rows": ("Tệp có quá nhiều dòng", "The file has too many rows"),
    "too_many_columns": ("Tệp có quá nhiều cột", "The file has too many columns"),
    "missing_columns": ("Thiếu cột bắt buộc", "A required column is missing"),
    "duplicate_column": ("Cột bị lặp lại", "The column appears twice"),
    "invalid_header": ("Dòng tiêu đề không hợp lệ", "Invalid header row"),
    "unknown_column": ("Cột không nhận ra, đã bỏ qua", "Unrecognised column, ignored"),
    "duplicate_in_file": ("Trùng với một dòng khác trong tệp", "Duplicates another row"),
    "import_failed": (
        "Tệp có lỗi; không có dữ liệu nào được lưu",
        "The file has errors; nothing was saved",
    ),
    "invalid_date": ("Ngày không hợp lệ (dd/mm/yyyy)", "Invalid date (dd/mm/yyyy)"),
    "invalid_boolean": ("Giá trị phải là có hoặc không", "Must be yes or no"),
    "database_not_migrated": (
        "Cơ sở dữ liệu chưa được tạo cấu trúc (migrate): hãy chạy `ttq migrate`",
        "The database is not migrated: run `ttq migrate`",
    ),
    "database_behind": (
        "Cơ sở dữ liệu chưa ở phiên bản cấu trúc mới nhất: hãy chạy `ttq migrate`",
        "The database is not at the latest migration: run `ttq migrate`",
    ),
    "unknown_user": ("Không tìm thấy tài khoản", "Unknown account"),
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
