"""Problem titles of the channel routes (Vietnamese, English), merged into the one catalogue."""

from backend.core.messages import TITLES

CHANNEL_TITLES: dict[str, tuple[str, str]] = {
    "link_invalid": ("Liên kết không hợp lệ hoặc đã hết hạn", "Link invalid or expired"),
    "receipt_refused": ("Chữ ký báo cáo gửi tin không hợp lệ", "Receipt signature refused"),
    "contact_code_invalid": ("Mã xác nhận không đúng", "Wrong verification code"),
    "contact_code_expired": (
        "Mã xác nhận đã hết hạn hoặc bị khóa, hãy yêu cầu mã mới",
        "Verification code expired or locked; ask for a new one",
    ),
    "contact_channel_unavailable": (
        "Kênh này chưa được cấu hình trên hệ thống",
        "This channel is not configured",
    ),
}
for _code, _titles in CHANNEL_TITLES.items():
    TITLES.setdefault(_code, _titles)
