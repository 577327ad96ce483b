"""Phone numbers: one person, one E.164 number however it was typed; accounts need a mobile."""

import pytest

from backend.core.security import normalize_mobile, normalize_phone
from tests.factories import auth, make_user

SAME_PERSON = [
    "0912345678",
    "+84912345678",
    "84912345678",
    "0912 345 678",
    "091.234.5678",
    "+84 (912) 345-678",
    " 0912345678 ",
]


@pytest.mark.parametrize("raw", SAME_PERSON)
def test_every_spelling_of_a_mobile_is_the_same_e164(raw):
    assert normalize_mobile(raw) == normalize_phone(raw) == "+84912345678"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0862345678", "+84862345678"),
        ("0323456789", "+84323456789"),
        ("0701234567", "+84701234567"),
    ],
)
def test_other_mobile_ranges_are_accepted(raw, expected):
    assert normalize_mobile(raw) == expected


INVALID = [
    "",
    "abc",
    "091234567",  # one digit short
    "09123456789",  # one digit too many
    "01234567",
    "+14155550123",  # a valid number, but not Vietnamese
    "+8613812345678",  # a Chinese mobile
    "0912345678 ext 12",  # an extension cannot receive an SMS
]
NOT_MOBILE = {
    "02838123456": "+842838123456",  # Hồ Chí Minh City landline
    "+842438253456": "+842438253456",  # Hà Nội landline
    "1900123456": "+841900123456",  # premium-rate hotline
}


@pytest.mark.parametrize("raw", INVALID)
def test_invalid_and_foreign_numbers_are_refused(raw):
    assert normalize_phone(raw) is None
    assert normalize_mobile(raw) is None


@pytest.mark.parametrize("raw", sorted(NOT_MOBILE))
def test_landlines_are_phones_but_not_mobiles(raw):
    """A site board's landline is a fine contact number; it cannot hold an account."""
    assert normalize_phone(raw) == NOT_MOBILE[raw]
    assert normalize_mobile(raw) is None


async def test_api_stores_e164_and_treats_spellings_as_one_account(app, client, session):
    admin = await make_user(session)
    await session.commit()
    body = {"phone": "0912345678", "password": "mat-khau-du-dai", "role": "system_admin"}
    r = await client.post("/api/v1/users", json=body | {"full_name": "A"}, headers=auth(app, admin))
    assert r.status_code == 201, r.text
    assert r.json()["phone"] == "+84912345678"
    for spelling in ("+84912345678", "84912345678"):
        again = body | {"phone": spelling, "full_name": "B"}
        r = await client.post("/api/v1/users", json=again, headers=auth(app, admin))
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "phone_taken"


@pytest.mark.parametrize("phone", ["02838123456", "12345", "+14155550123"])
async def test_api_refuses_landline_and_invalid_numbers(app, client, session, phone):
    admin = await make_user(session)
    await session.commit()
    body = {"phone": phone, "password": "mat-khau-du-dai", "role": "system_admin", "full_name": "A"}
    r = await client.post("/api/v1/users", json=body, headers=auth(app, admin))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_phone"
    assert r.json()["errors"][0]["field"] == "phone"
