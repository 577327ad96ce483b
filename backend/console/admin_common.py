"""What the administration pages share: the admin guard, form values, and errors shown on the
form they came from (in the visitor's language) instead of an error page."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy import ColumnElement, func, or_
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession

from backend.console import i18n
from backend.console.web import Console, lang_of, render
from backend.core import pii
from backend.core.errors import DomainError, Invalid
from backend.core.etag import check_if_match, etag_for
from backend.core.messages import TITLES, title_for
from backend.core.params import in_calendar
from backend.core.security import normalize_mobile
from backend.models import User
from backend.policy import authorize

T = TypeVar("T")

# Words of fields named in the services' per-field errors (the rest show their own name).
FIELD_WORDS = {  # English shows the field's own name ("admin unit id"): close enough
    "vi": {
        "phone": "Số điện thoại",
        "password": "Mật khẩu",
        "full_name": "Họ tên",
        "code": "Mã",
        "name": "Tên",
        "level": "Cấp",
        "parent_id": "Đơn vị cha",
        "boundary": "Ranh giới",
        "address": "Địa chỉ",
        "admin_unit_id": "Đơn vị hành chính",
        "union_unit_id": "Công đoàn",
        "lat": "Vĩ độ",
        "lon": "Kinh độ",
        "landlord_phone": "SĐT chủ nhà trọ",
        "team_id": "Tổ tự quản",
        "user_id": "Tài khoản",
        "site_id": "Khu công nghiệp",
        "tax_code": "Mã số thuế",
        "role": "Vai trò",
        "url": "Địa chỉ URL",
    },
}
WEAK_REASONS = {
    "too_short": ("ít nhất {n} ký tự", "at least {n} characters"),
    "too_long": ("quá dài", "too long"),
    "common": ("mật khẩu phổ biến, dễ đoán", "a common, guessable password"),
    "pattern": ("chuỗi lặp hoặc dãy phím liền nhau", "a repeated run or a keyboard sequence"),
    "personal": ("chứa số điện thoại hoặc tên", "contains the phone number or the name"),
}


def require_admin(console: Console) -> None:
    """Every administration page and action: system administrators only (others: 403 page)."""
    authorize(console.subject, "console.admin")


def messages_of(exc: DomainError, lang: str) -> list[str]:
    """The error as sentences for the form: its title, then each field's problem."""
    if exc.code in TITLES:
        head = title_for(exc.code, lang)
    elif exc.code in i18n.WORDS:  # the console's own refusals (e.g. locking oneself out)
        head = i18n.pick(i18n.WORDS, exc.code, lang)
    else:
        head = title_for("validation_error", lang)
    if exc.code == "weak_password":
        vi, en = WEAK_REASONS.get(exc.extra.get("reason"), ("", ""))
        reason = (en if lang == "en" else vi).format(n=exc.extra.get("min_length", 8))
        head = f"{head}: {reason}" if reason else head
    out = [head]
    for item in exc.extra.get("errors") or []:
        if not isinstance(item, dict):
            continue
        field = item.get("field") or ""
        label = FIELD_WORDS["vi"].get(field, field) if lang != "en" else field.replace("_", " ")
        text = title_for(item.get("code") or exc.code, lang)
        if lang != "en" and item.get("message"):
            text = item["message"]
        line = f"{label}: {text}" if label else text
        if line not in out:
            out.append(line)
    return out


def form_error(request: Request, template: str, context: dict[str, Any], exc: DomainError) -> Any:
    """Re-render the form with its problems (422, or the error's own 4xx status)."""
    status = exc.status if 400 <= exc.status < 500 else 422
    ctx = {**context, "errors": messages_of(exc, lang_of(request))}
    return render(request, template, ctx, status=status)


def done(path: str, key: str) -> RedirectResponse:
    """After a successful POST: back to a page, which says what was done (PRG)."""
    sep = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{sep}done={key}", status_code=303)


def field_invalid(field: str, code: str = "validation_error") -> Invalid:
    return Invalid(code=code, errors=[{"field": field, "code": code}])


def opt_uuid(raw: str | None, field: str) -> uuid.UUID | None:
    """A form's optional id (empty: None); anything else that is not an id is a form error."""
    if raw is None or not raw.strip():
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise field_invalid(field) from None


def uuids(raw: list[str] | None, field: str) -> list[uuid.UUID]:
    return [u for u in (opt_uuid(r, field) for r in raw or []) if u is not None]


def opt_float(raw: str | None, field: str) -> float | None:
    if raw is None or not raw.strip():
        return None
    try:
        return float(raw.strip().replace(",", "."))
    except ValueError:
        raise field_invalid(field, "invalid_coordinates") from None


def opt_int(raw: str | None, field: str) -> int | None:
    if raw is None or not raw.strip():
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise field_invalid(field, "not_a_count") from None


def opt_date(raw: str | None, field: str) -> date | None:
    if raw is None or not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise field_invalid(field) from None
    if not in_calendar(day):
        raise field_invalid(field)
    return day


async def attempt(
    session: AsyncSession, call: Callable[[], Awaitable[T]]
) -> tuple[T | None, DomainError | None]:
    """Run a service call in a savepoint: on a domain error nothing it wrote stays (the request
    itself still commits, to show the form again), and the objects it touched are re-read."""
    try:
        async with session.begin_nested():
            return await call(), None
    except DomainError as exc:
        for obj in list(session.identity_map.values()):
            if sa_inspect(obj).expired_attributes:
                await session.refresh(obj)
        return None, exc


def check_form_version(version: str, current: int) -> None:
    """The API's If-Match, from an edit form's hidden version: none is 428, an older one 412."""
    read_at = etag_for(int(version)) if version.strip().isdigit() else None
    check_if_match(read_at, current)


def accounts_matching(text: str) -> ColumnElement[bool]:
    """Accounts whose name (as typed, case ignored) contains ``text``, or whose phone is
    ``text`` (phones are sealed at rest: found by their blind index, whole numbers only)."""
    clauses = [func.lower(User.full_name).contains(text.lower(), autoescape=True)]
    phone = normalize_mobile(text)
    if phone is not None:
        clauses.append(pii.phone_matches(User.phone_index, phone))
    return or_(*clauses)
