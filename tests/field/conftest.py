"""Field-app tests: attachments go to this test's own folder; ``open_phone`` is a signed-in
phone on a seeded team (every test of the app starts there)."""

from dataclasses import dataclass
from typing import Any

import pytest

from backend.core.config import Settings
from tests.field.phone import Seeded, phone_context, seed, sign_in


@pytest.fixture
def settings(settings: Settings, tmp_path) -> Settings:
    return settings.model_copy(update={"attachment_dir": str(tmp_path / "attachments")})


@dataclass
class Phone:
    world: Seeded
    context: Any  # playwright BrowserContext
    log: Any  # tests.browser.RequestLog
    page: Any  # playwright Page


@pytest.fixture
def open_phone(browser, live_server, settings):
    """``open_phone(houses=2, **seed options)``: seed a team, open a 360 px phone, sign its
    leader in; the context is closed after the test."""
    opened = []

    def make(houses: int = 2, **options) -> Phone:
        world = seed(settings, houses=houses, **options)
        context, log = phone_context(browser, live_server)
        opened.append(context)
        page = context.new_page()
        sign_in(page, world.phone)
        return Phone(world, context, log, page)

    yield make
    for context in opened:
        for page in context.pages:  # a route handler still in flight must not fail teardown
            page.unroute_all(behavior="ignoreErrors")
        context.close()
