"""Administration in the console: users and roles, the unit trees, the audit log's filters,
and that nobody but a system administrator gets any administration page or action."""

import uuid

import pytest
from sqlalchemy import select

from backend.core import pii
from backend.models import AdminUnit, AuditEvent, UnionUnit, User
from tests.console.conftest import csrf, sign_in

STRONG = "Tre-xanh-ven-song-42"


async def _post(client, path: str, data: dict, *, page: str = "/admin/users"):
    return await client.post(path, data={**data, "csrf_token": await csrf(client, page)})


async def _audit(session, action: str, object_id) -> AuditEvent | None:
    return await session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_id == str(object_id)
        )
    )


async def test_create_a_user_then_change_role_reset_password_and_deactivate(client, city, session):
    await sign_in(client, city.admin)
    form = await client.get("/admin/users/new")
    assert form.status_code == 200 and 'for="u-password"' in form.text
    created = await _post(
        client,
        "/admin/users",
        {
            "full_name": "Trần Văn Bảo",
            "phone": "0987 654 321",
            "role": "union_officer",
            "password": STRONG,
            "scope_unit_ids": str(city.grassroots_x.id),
        },
    )
    assert created.status_code == 303
    user = await session.scalar(
        select(User).where(pii.phone_matches(User.phone_index, "+84987654321"))
    )
    assert user is not None and user.role == "union_officer"
    assert created.headers["location"] == f"/admin/users/{user.id}?done=user_created"
    assert await _audit(session, "user.create", user.id)
    page = await client.get(f"/admin/users/{user.id}")
    assert "Đã tạo tài khoản" in (await client.get(created.headers["location"])).text
    assert page.status_code == 200 and "+84987654321" in page.text

    moved = await _post(
        client,
        f"/admin/users/{user.id}/role",
        {"role": "police_liaison", "scope_unit_ids": str(city.ward_a.id)},
    )
    assert moved.status_code == 303
    await session.refresh(user)
    assert user.role == "police_liaison"

    reset = await _post(client, f"/admin/users/{user.id}/password", {"password": "Cay-bang-do-91"})
    assert reset.status_code == 303
    event = await _audit(session, "user.update", user.id)
    assert event is not None

    off = await _post(client, f"/admin/users/{user.id}/active", {"active": "false"})
    assert off.status_code == 303
    await session.refresh(user)
    assert user.is_active is False
    # The deactivated account can no longer sign in to the console.
    client.cookies.clear()
    refused = await sign_in(client, user, password="Cay-bang-do-91")
    assert refused.status_code != 303


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "12345678"}, "Mật khẩu quá yếu"),
        ({"password": "ngan"}, "ít nhất 8 ký tự"),
        ({"phone": "12"}, "Số điện thoại không hợp lệ"),
        ({"full_name": "  "}, "Thiếu thông tin bắt buộc"),
        ({"role": "union_officer", "scope_unit_ids": "not-an-id"}, "Dữ liệu không hợp lệ"),
    ],
)
async def test_bad_user_input_is_shown_on_the_form_in_vietnamese(
    client, city, session, changes, message
):
    await sign_in(client, city.admin)
    data = {"full_name": "Lê Thị Hoa", "phone": "0911222333", "role": "team_member"}
    data |= {"password": STRONG} | changes
    page = await _post(client, "/admin/users", data)
    assert page.status_code == 422 and 'id="form-errors"' in page.text and message in page.text
    assert 'value="Lê Thị Hoa"' in page.text or changes.get("full_name")
    assert (
        await session.scalar(
            select(User).where(pii.phone_matches(User.phone_index, "+84911222333"))
        )
        is None
    )


async def test_a_taken_phone_and_a_scope_that_does_not_fit_the_role(client, city, session):
    await sign_in(client, city.admin)
    data = {"full_name": "Phạm Văn An", "role": "team_member", "password": STRONG}
    taken = await _post(client, "/admin/users", data | {"phone": city.leader_a.phone})
    assert taken.status_code == 409 and "Số điện thoại đã được đăng ký" in taken.text
    wrong = await _post(
        client,
        f"/admin/users/{city.member_a.id}/role",
        {"role": "team_member", "scope_unit_ids": str(city.ward_a.id)},
    )
    assert wrong.status_code == 422 and "Phạm vi không phù hợp với vai trò" in wrong.text
    await session.refresh(city.member_a)
    assert city.member_a.role == "team_member"


async def test_an_administrator_cannot_lock_themselves_out(client, city, session):
    await sign_in(client, city.admin)
    off = await _post(client, f"/admin/users/{city.admin.id}/active", {"active": "false"})
    assert off.status_code == 422 and "Không thể tự khoá" in off.text
    demoted = await _post(client, f"/admin/users/{city.admin.id}/role", {"role": "team_member"})
    assert demoted.status_code == 422
    await session.refresh(city.admin)
    assert city.admin.is_active and city.admin.role == "system_admin"


async def test_form_errors_in_english_on_the_switch(client, city):
    await sign_in(client, city.admin)
    await client.get("/lang/en")
    data = {"full_name": "Le Hoa", "phone": "0911222444", "role": "team_member"}
    page = await _post(client, "/admin/users", data | {"password": "12345678"})
    assert page.status_code == 422 and "Password too weak" in page.text
    assert "Not saved; please fix:" in page.text


async def test_unknown_user_is_the_404_page(client, city):
    await sign_in(client, city.admin)
    page = await client.get(f"/admin/users/{uuid.uuid4()}")
    assert page.status_code == 404 and "404" in page.text


async def test_trees_add_rename_and_move_nodes(client, city, session):
    await sign_in(client, city.admin)
    page = await client.get("/admin/trees/admin_unit")
    assert page.status_code == 200 and "Phường Tân Thuận" in page.text
    added = await _post(
        client,
        "/admin/trees/admin_unit",
        {
            "parent_id": str(city.district1.id),
            "code": "P-MOI",
            "name": "Phường Mới",
            "level": "Phường",
        },
        page="/admin/trees/admin_unit",
    )
    assert added.status_code == 303
    node = await session.scalar(select(AdminUnit).where(AdminUnit.code == "P-MOI"))
    assert node.parent_id == city.district1.id and await _audit(
        session, "admin_unit.create", node.id
    )
    moved = await _post(
        client,
        f"/admin/trees/admin_unit/{node.id}",
        {
            "parent_id": str(city.district2.id),
            "code": "P-MOI",
            "name": "Phường Mới 2",
            "level": "Xã",
        },
        page="/admin/trees/admin_unit",
    )
    assert moved.status_code == 303
    await session.refresh(node)
    assert (node.parent_id, node.name, node.level) == (city.district2.id, "Phường Mới 2", "Xã")
    assert node.path.startswith(city.district2.path)
    # A cycle, a taken code and an empty name are shown on the node's form.
    cycle = await _post(
        client,
        f"/admin/trees/admin_unit/{city.district1.id}",
        {
            "parent_id": str(city.ward_a.id),
            "code": city.district1.code,
            "name": "Q",
            "level": "Quận",
        },
        page="/admin/trees/admin_unit",
    )
    assert cycle.status_code == 422 and "nhánh con" in cycle.text
    taken = await _post(
        client,
        "/admin/trees/union_unit",
        {"parent_id": "", "code": city.fed.code, "name": "Trùng mã", "level": "LĐLĐ"},
        page="/admin/trees/union_unit",
    )
    assert taken.status_code == 409 and "Mã đã được sử dụng" in taken.text
    empty = await _post(
        client,
        "/admin/trees/union_unit",
        {"parent_id": str(city.fed.id), "code": "CD-X", "name": " ", "level": "CĐCS"},
        page="/admin/trees/union_unit",
    )
    assert empty.status_code == 422 and "Thiếu thông tin bắt buộc" in empty.text
    assert await session.scalar(select(UnionUnit).where(UnionUnit.code == "CD-X")) is None
    tree = await client.get("/admin/trees/union_unit")
    assert 'class="tree"' in tree.text and "CĐCS Nidec" in tree.text
    # A leaf goes (with a reason); a node with children stays.
    parent = await _post(
        client,
        f"/admin/trees/admin_unit/{city.district1.id}/delete",
        {"reason": "nhập nhầm"},
        page="/admin/trees/admin_unit",
    )
    assert parent.status_code == 409 and 'id="form-errors"' in parent.text
    no_reason = await _post(
        client, f"/admin/trees/admin_unit/{node.id}/delete", {"reason": ""}, page="/admin/users"
    )
    assert no_reason.status_code == 422
    gone = await _post(client, f"/admin/trees/admin_unit/{node.id}/delete", {"reason": "nhập nhầm"})
    assert gone.status_code == 303 and await _audit(session, "admin_unit.delete", node.id)
    assert "Phường Mới 2" not in (await client.get("/admin/trees/admin_unit")).text


async def test_audit_log_filters(client, city, session):
    await sign_in(client, city.admin)
    await _post(
        client,
        "/admin/trees/admin_unit",
        {"parent_id": "", "code": "AUD-1", "name": "Tỉnh Kiểm Tra", "level": "Tỉnh"},
        page="/admin/trees/admin_unit",
    )
    node = await session.scalar(select(AdminUnit).where(AdminUnit.code == "AUD-1"))
    by_object = await client.get(
        "/admin/audit", params={"object_type": "admin_unit", "object_id": str(node.id)}
    )
    assert by_object.text.count("<code>admin_unit.create</code>") == 1
    by_actor = await client.get("/admin/audit", params={"actor": city.admin.phone})
    assert "admin_unit.create" in by_actor.text
    nobody = await client.get("/admin/audit", params={"actor": "khong-ai-ca"})
    assert "admin_unit.create" not in nobody.text
    future = await client.get("/admin/audit", params={"date_from": "2099-01-01"})
    assert "admin_unit.create" not in future.text
    past = await client.get(
        "/admin/audit", params={"date_from": "2000-01-01", "date_to": "2099-12-31"}
    )
    assert "admin_unit.create" in past.text
    bad = await client.get("/admin/audit", params={"date_from": "31/12/2026"})
    assert bad.status_code == 422 and 'id="form-errors"' in bad.text


ADMIN_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/users/{user}",
    "/admin/trees/admin_unit",
    "/admin/trees/union_unit",
    "/admin/trees/admin_unit/{ward}",
    "/admin/sites",
    "/admin/sites.geojson",
    "/admin/sites/{site}",
    "/admin/sites/{site}/boundary.geojson",
    "/admin/enterprises",
    "/admin/houses",
    "/admin/houses/{house}",
    "/admin/houses/{house}/qr",
    "/admin/teams",
    "/admin/teams/{team}",
    "/admin/teams/{team}/qr",
    "/admin/qr",
    "/admin/jurisdictions",
    "/admin/webhooks",
    "/admin/deliveries",
    "/admin/audit",
]
ADMIN_ACTIONS = [
    "/admin/users",
    "/admin/users/{user}/role",
    "/admin/users/{user}/active",
    "/admin/users/{user}/password",
    "/admin/trees/admin_unit",
    "/admin/trees/admin_unit/{ward}",
    "/admin/sites",
    "/admin/sites/{site}",
    "/admin/enterprises",
    "/admin/houses",
    "/admin/teams",
    "/admin/teams/{team}",
    "/admin/houses/{house}/rotate",
    "/admin/houses/{house}",
    "/admin/trees/admin_unit/{ward}/delete",
    "/admin/teams/{team}/members",
    "/admin/teams/{team}/members/{member}/leader",
    "/admin/teams/{team}/members/{member}/end",
    "/admin/teams/{team}/houses",
    "/admin/teams/{team}/houses/{house}/end",
    "/admin/jurisdictions",
    "/admin/jurisdictions/{member}/delete",
    "/admin/webhooks",
    "/admin/webhooks/{member}/disable",
    "/admin/deliveries/{member}/retry",
]


def _fill(path: str, city) -> str:
    return path.format(
        user=city.member_a.id,
        ward=city.ward_a.id,
        site=city.site.id,
        house=city.house_a.id,
        team=city.team_a.id,
        member=uuid.uuid4(),
    )


@pytest.mark.parametrize("who", ["officer_gx", "city_officer", "police_a1", "leader_a"])
async def test_nobody_but_an_administrator_gets_a_page_or_an_action(client, city, session, who):
    await sign_in(client, getattr(city, who))
    token = await csrf(client)
    before = await session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    for path in ADMIN_PAGES:
        page = await client.get(_fill(path, city))
        assert page.status_code in (403, 404), path
        assert "<svg" not in page.text  # no QR sticker of any house
    for path in ADMIN_ACTIONS:
        data = {
            "csrf_token": token,
            "role": "system_admin",
            "name": "X",
            "code": "X",
            "active": "true",
        }
        done = await client.post(_fill(path, city), data=data)
        assert done.status_code in (403, 404), path
    await session.refresh(city.member_a)
    assert city.member_a.role == "team_member"
    after = await session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    changes = await session.scalars(select(AuditEvent.action).where(AuditEvent.id > (before or 0)))
    assert not [a for a in changes.all() if not a.startswith(("auth.", "personal_data"))], after


async def test_actions_need_the_csrf_token(client, city, session):
    await sign_in(client, city.admin)
    refused = await client.post(
        "/admin/users",
        data={"full_name": "A", "phone": "0911000111", "role": "team_member", "password": STRONG},
    )
    assert refused.status_code == 403
    assert (
        await session.scalar(
            select(User).where(pii.phone_matches(User.phone_index, "+84911000111"))
        )
        is None
    )
