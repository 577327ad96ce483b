"""The audit trail: one row per state change and sign-in, in the same transaction; append-only."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from backend.models import AdminUnit, AuditEvent, UnionUnit
from tests.accounts.flows import password_login
from tests.factories import auth, make_unit, make_user

ADMIN_URL = "/api/v1/admin-units"


async def events(session, action: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list((await session.scalars(stmt)).all())


async def test_user_create_is_audited_with_actor_request_and_no_secret(app, client, session):
    admin = await make_user(session)
    await session.commit()
    body = {
        "phone": "0912345678",
        "password": "ngo-14-cay-bang",
        "role": "team_member",
        "full_name": "A",
    }
    headers = auth(app, admin) | {"X-Request-ID": "req-user-create"}
    r = await client.post("/api/v1/users", json=body, headers=headers)
    assert r.status_code == 201, r.text
    (event,) = await events(session, "user.create")
    assert (event.actor_id, event.actor_role) == (admin.id, "system_admin")
    assert (event.object_type, event.object_id) == ("user", r.json()["id"])
    assert event.request_id == "req-user-create"
    assert event.client_ip == "127.0.0.1"
    # Personal data stays out of the long-kept trail: the number is masked.
    assert event.after["phone"] == "+8491*****78" and event.before is None
    assert "912345678" not in str(event.after)
    assert "password_hash" not in event.after and "ngo-14-cay-bang" not in str(event.after)


async def test_unit_create_update_move_delete_are_audited(app, client, session):
    admin = await make_user(session)
    city = await make_unit(session, AdminUnit, "TP")
    other = await make_unit(session, AdminUnit, "Tỉnh")
    await session.commit()
    h = auth(app, admin)
    r = await client.post(
        ADMIN_URL,
        json={"code": "W1", "name": "Phường 1", "level": "Phường", "parent_id": str(city.id)},
        headers=h,
    )
    ward_id = r.json()["id"]
    url = f"{ADMIN_URL}/{ward_id}"
    await client.patch(url, json={"name": "Phường Một"}, headers=h | {"If-Match": '"1"'})
    await client.patch(url, json={"parent_id": str(other.id)}, headers=h | {"If-Match": '"2"'})
    r = await client.delete(url, params={"reason": "sáp nhập"}, headers=h | {"If-Match": '"3"'})
    assert r.status_code == 204, r.text

    created = [e for e in await events(session, "admin_unit.create") if e.object_id == ward_id]
    assert len(created) == 1 and created[0].actor_id == admin.id
    rename, move = await events(session, "admin_unit.update")
    assert (rename.before["name"], rename.after["name"]) == ("Phường 1", "Phường Một")
    assert (move.before["parent_id"], move.after["parent_id"]) == (str(city.id), str(other.id))
    assert move.before["path"] != move.after["path"]
    (deleted,) = await events(session, "admin_unit.delete")
    assert deleted.object_id == ward_id and deleted.detail == {"reason": "sáp nhập"}


async def test_failed_change_leaves_no_audit_row(app, client, session):
    admin = await make_user(session)
    await make_unit(session, UnionUnit, "CĐ", code="TAKEN")
    await session.commit()
    before = await session.scalar(select(func.count()).select_from(AuditEvent))
    r = await client.post(
        "/api/v1/union-units",
        json={"code": "TAKEN", "name": "X", "level": "X"},
        headers=auth(app, admin),
    )
    assert r.status_code == 409
    assert await session.scalar(select(func.count()).select_from(AuditEvent)) == before


async def test_sign_in_and_failed_sign_in_are_audited(client, session):
    user = await make_user(session)
    await session.commit()
    assert (await password_login(client, user.phone, "sai-mat-khau")).status_code == 401
    assert (await password_login(client, user.phone)).status_code == 200
    (failed,) = await events(session, "auth.login_failed")
    (ok,) = await events(session, "auth.login")
    assert failed.actor_id == ok.actor_id == user.id
    assert failed.id < ok.id
    assert ok.detail["kind"] == "web"


async def test_audit_trail_is_readable_by_admins_only(app, client, session):
    admin = await make_user(session)
    officer = await make_user(session, role="city_union_officer")
    await make_unit(session, AdminUnit, "TP")
    await session.commit()
    await client.post(
        ADMIN_URL, json={"code": "A", "name": "A", "level": "X"}, headers=auth(app, admin)
    )
    params = {"action": "admin_unit.create", "actor_id": str(admin.id)}
    r = await client.get("/api/v1/audit-events", params=params, headers=auth(app, admin))
    assert r.status_code == 200, r.text
    assert [e["object_type"] for e in r.json()["items"]] == ["admin_unit"]
    r = await client.get("/api/v1/audit-events", headers=auth(app, officer))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


async def _one_event(session) -> int:
    session.add(AuditEvent(action="test.probe", object_type="test"))
    await session.commit()
    return await session.scalar(select(func.max(AuditEvent.id)))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'tampered' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ],
)
async def test_audit_table_refuses_update_and_delete(session, statement):
    event_id = await _one_event(session)
    with pytest.raises(DBAPIError, match="append-only"):
        await session.execute(text(statement), {"id": event_id})
    await session.rollback()
    assert await session.scalar(select(AuditEvent.action).where(AuditEvent.id == event_id)) == (
        "test.probe"
    )


async def test_phone_numbers_are_masked_in_every_snapshot_and_detail(session):
    from backend.audit.service import mask_phone, record

    event = await record(
        session,
        actor=None,
        action="x.update",
        object_type="x",
        before={"landlord_phone": "+84912345678", "members": [{"phone": "0987654321"}]},
        after={"board_phone": "+84283456789", "name": "Nhà trọ"},
        detail={"phone": "+84912345678", "count": 2},
    )
    assert event.before == {
        "landlord_phone": "+8491*****78",
        "members": [{"phone": "0987****21"}],
    }
    assert event.after == {"board_phone": "+8428*****89", "name": "Nhà trọ"}
    assert event.detail == {"phone": "+8491*****78", "count": 2}
    assert mask_phone("123") == "***"
