"""Vietnamese wording of pushes and SMS: generic on purpose, details stay behind sign-in."""

import unicodedata

from backend.notifications.channels.base import EventEnvelope

# Event type prefix -> (push title, push body). The longest matching prefix wins.
PUSH_TEXTS: dict[str, tuple[str, str]] = {
    "": ("TTQ: thông báo mới", "Mở ứng dụng để xem chi tiết."),
    "incident": ("Vụ việc mới", "Có vụ việc cần bạn xem xét."),
    "incident.escalated": ("Vụ việc chuyển đến bạn", "Cần xác nhận tiếp nhận ngay."),
    "escalation": ("Vụ việc cần xác nhận", "Có vụ việc chưa được xác nhận đúng hạn."),
    "patrol": ("Tuần tra", "Có cập nhật về ca tuần tra."),
    "patrol.missed": ("Ca tuần tra bị bỏ lỡ", "Một ca tuần tra đã không được thực hiện."),
    "notification.test": ("Thông báo thử", "Thông báo của bạn đang hoạt động."),
}


def push_text(event: EventEnvelope) -> tuple[str, str]:
    """Title and body of the push for an event type."""
    best = ""
    for prefix in PUSH_TEXTS:
        if (event.type == prefix or event.type.startswith(prefix + ".")) and len(prefix) > len(
            best
        ):
            best = prefix
    return PUSH_TEXTS[best]


def ascii_text(text: str) -> str:
    """Vietnamese without diacritics (đ -> d): one GSM-7 segment holds 160 of these."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def sms_text(event: EventEnvelope, link: str | None = None) -> str:
    """A short SMS without diacritics (one GSM-7 segment), with the one-tap link if any."""
    title, body = push_text(event)
    if link is None:
        return ascii_text(f"[TTQ] {title}. {body} Mã: {str(event.id)[:8]}")[:160]
    text = ascii_text(f"[TTQ] {title}. {body} {link}")
    if len(text) > 160:  # the link matters more than the sentence
        text = ascii_text(f"[TTQ] {title}. {link}")
    return text[:160]
