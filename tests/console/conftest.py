import re

import pytest

from tests.factories import PASSWORD
from tests.incidents.world import make_city

CSRF = re.compile(r'name="csrf-token" content="([0-9a-f]+)"')


@pytest.fixture
async def city(session):
    world = await make_city(session)
    await session.commit()
    return world


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


async def sign_in(client, user, *, next: str = "/", password: str = PASSWORD):
    """Sign in through the console's form (the client keeps the cookies)."""
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={
            "phone": user.phone,
            "password": password,
            "csrf_token": csrf_of(page.text),
            "next": next,
        },
    )


async def csrf(client, path: str = "/") -> str:
    """The CSRF token of the signed-in session, read from a page."""
    return csrf_of((await client.get(path)).text)
