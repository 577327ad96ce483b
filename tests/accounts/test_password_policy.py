"""NIST SP 800-63B passwords: length, common/breached lists, patterns, the account's own data."""

import pytest

from backend.accounts.passwords import check_password, common_passwords, weakness
from backend.core.errors import Invalid
from tests.accounts.flows import assert_problem
from tests.factories import auth, make_user

URL = "/api/v1/users"
PHONE = "0912345678"
NAME = "Nguyễn Văn Anh"

REFUSED = [
    ("12345678", "common"),
    ("password", "common"),
    ("Password1", "common"),
    ("matkhau123", "common"),  # the Vietnamese list
    ("aaaaaaaaaaaa", "pattern"),
    ("abababababab", "pattern"),
    ("abcdefghijk", "pattern"),
    (PHONE, "personal"),
    ("+84912345678", "personal"),
    ("xx0912345678", "personal"),
    ("nguyenvananh", "personal"),
    ("Nguyễn Văn Anh!", "personal"),
    ("short1!", "too_short"),
]


@pytest.mark.parametrize("password, reason", REFUSED)
def test_rule_refuses(password, reason):
    assert weakness(password, phone="+84912345678", name=NAME) == reason


def test_a_long_unusual_password_passes():
    check_password("ngõ 14 cây bàng đỏ", phone="+84912345678", name=NAME)


def test_the_bundled_breach_list_is_shipped_and_large():
    assert len(common_passwords()) > 19_000
    with pytest.raises(Invalid):
        check_password("qwertyuiop", phone=None, name=None)


@pytest.mark.parametrize("password", ["12345678", "password", "aaaaaaaaaaaa", PHONE])
async def test_api_refuses_weak_passwords_on_create(app, client, session, password):
    admin = await make_user(session)
    await session.commit()
    body = {"phone": PHONE, "password": password, "full_name": NAME, "role": "team_member"}
    r = await client.post(URL, json=body, headers=auth(app, admin))
    assert_problem(r, 422, "weak_password")


async def test_api_refuses_a_weak_password_on_change(app, client, session):
    admin = await make_user(session)
    member = await make_user(session, role="team_member")
    await session.commit()
    r = await client.get(f"{URL}/{member.id}", headers=auth(app, admin))
    r = await client.patch(
        f"{URL}/{member.id}",
        json={"password": member.phone.removeprefix("+84").rjust(10, "0")},
        headers=auth(app, admin) | {"If-Match": r.headers["etag"]},
    )
    assert_problem(r, 422, "weak_password")
