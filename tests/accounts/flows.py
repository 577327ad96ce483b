"""Sign-in steps through the real HTTP routes, shared by the account tests."""

import httpx

from tests.factories import PASSWORD

PROBLEM = "application/problem+json"


async def password_login(client: httpx.AsyncClient, phone: str, password: str = PASSWORD):
    """The OAuth2 password flow at the tokenUrl (form-encoded, username = phone)."""
    return await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": phone, "password": password},
    )


async def mobile_login(
    client: httpx.AsyncClient, phone: str, device_id: str = "phone-A", password: str = PASSWORD
):
    """The app's sign-in, registering the phone it runs on."""
    return await client.post(
        "/api/v1/auth/mobile-login",
        json={
            "phone": phone,
            "password": password,
            "device": {
                "device_id": device_id,
                "model": "Samsung Galaxy A05",
                "app_version": "1.0.0",
                "push_token": "fcm-token",
            },
        },
    )


async def tokens(client: httpx.AsyncClient, phone: str, device_id: str = "phone-A") -> dict:
    r = await mobile_login(client, phone, device_id)
    assert r.status_code == 200, r.text
    return r.json()


async def refresh(client: httpx.AsyncClient, token: str, device_id: str | None = "phone-A"):
    return await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": token, "device_id": device_id}
    )


def bearer(pair: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}


def assert_problem(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] == code
