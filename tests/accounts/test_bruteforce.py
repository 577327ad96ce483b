"""Repeated failed sign-ins per phone and per client address answer 429 with Retry-After."""

import httpx
import pytest
from sqlalchemy import func, select

from backend.models import AuditEvent, LoginAttempt
from tests.accounts.flows import assert_problem, mobile_login, password_login
from tests.factories import make_user

PER_PHONE = 3
PER_IP = 5
WINDOW = 600


@pytest.fixture
def settings(settings):
    return settings.model_copy(
        update={
            "login_max_failures": PER_PHONE,
            "login_max_failures_per_ip": PER_IP,
            "login_window_seconds": WINDOW,
        }
    )


def client_from(app, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def assert_locked(r: httpx.Response) -> None:
    assert_problem(r, 429, "too_many_attempts")
    wait = int(r.headers["retry-after"])
    assert 1 <= wait <= WINDOW
    assert r.json()["retry_after"] == wait


async def test_phone_locked_after_n_failures_even_with_right_password(client, session):
    user = await make_user(session, phone="+84912345678")
    await session.commit()
    # Different spellings of one number share one counter.
    for spelling in ("0912345678", "+84912345678", "84912345678"):
        assert_problem(await password_login(client, spelling, "sai"), 401, "invalid_credentials")
    assert_locked(await password_login(client, "0912345678"))
    assert_locked(await mobile_login(client, user.phone))


async def test_lock_is_per_phone(client, session):
    other = await make_user(session)
    await session.commit()
    for _ in range(PER_PHONE):
        await password_login(client, "0912345678", "sai")
    assert_locked(await password_login(client, "0912345678", "sai"))
    assert (await password_login(client, other.phone)).status_code == 200


async def test_lock_expires_with_the_window(client, session):
    user = await make_user(session)
    await session.commit()
    for _ in range(PER_PHONE):
        await password_login(client, user.phone, "sai")
    assert_locked(await password_login(client, user.phone))
    # Move the failures out of the window instead of waiting for it.
    for attempt in (await session.scalars(select(LoginAttempt))).all():
        attempt.created_at = attempt.created_at.replace(year=attempt.created_at.year - 1)
    await session.commit()
    assert (await password_login(client, user.phone)).status_code == 200


async def test_success_resets_the_phone_counter(client, session):
    user = await make_user(session)
    await session.commit()
    for _ in range(PER_PHONE - 1):
        assert (await password_login(client, user.phone, "sai")).status_code == 401
    assert (await password_login(client, user.phone)).status_code == 200
    for _ in range(PER_PHONE - 1):
        assert (await password_login(client, user.phone, "sai")).status_code == 401
    assert (await password_login(client, user.phone)).status_code == 200


async def test_client_address_locked_after_n_failures_across_phones(app, session):
    user = await make_user(session)
    await session.commit()
    async with client_from(app, "203.0.113.7") as attacker:
        for i in range(PER_IP):
            r = await password_login(attacker, f"09{i:08d}", "sai")
            assert r.status_code == 401, r.text
        assert_locked(await password_login(attacker, user.phone))
    async with client_from(app, "198.51.100.20") as honest:
        assert (await password_login(honest, user.phone)).status_code == 200


async def test_failed_sign_ins_are_recorded_and_audited(app, session):
    user = await make_user(session, phone="+84912345678")
    await session.commit()
    async with client_from(app, "203.0.113.9") as c:
        await password_login(c, "0912345678", "sai")
        await password_login(c, "0987000111", "sai")
    failures = (
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "auth.login_failed")
            .order_by(AuditEvent.id)
        )
    ).all()
    assert [(e.object_id, e.detail["phone"], e.client_ip) for e in failures] == [
        (str(user.id), "+8491*****78", "203.0.113.9"),  # masked in the audit trail
        (None, "+8498*****11", "203.0.113.9"),
    ]
    assert all(set(e.detail) == {"phone"} for e in failures)  # never the password tried
    assert await session.scalar(select(func.count()).select_from(LoginAttempt)) == 2


async def test_successful_sign_in_is_audited(client, session):
    user = await make_user(session)
    await session.commit()
    assert (await mobile_login(client, user.phone, "phone-A")).status_code == 200
    event = await session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login"))
    assert event.actor_id == user.id and event.object_type == "device"
    assert event.detail["kind"] == "mobile" and event.request_id
