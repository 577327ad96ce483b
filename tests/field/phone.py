"""Driving the field app like a team leader on a phone: seeding, a 360 px context, DB reads."""

import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import text

from backend.core.config import Settings
from backend.core.db import make_engine, make_session_factory
from tests.browser import RequestLog, run_async
from tests.factories import PASSWORD
from tests.factories_patrols import BASE_LAT, BASE_LON, make_world
from tests.factories_registry import make_enterprise, make_site

PHONE = {"width": 360, "height": 740}
SCREENSHOTS = os.environ.get("TTQ_FIELD_SCREENSHOTS")  # a folder: the README's images


@dataclass
class Seeded:
    phone: str
    member_phone: str
    tokens: list[str]
    house_names: list[str]
    house_ids: list[str]
    team_id: str
    leader_id: str
    police_id: str
    enterprise_id: str | None = None


def seed(
    settings: Settings, houses: int = 20, *, enterprise: bool = False, gps_tracking: bool = False
) -> Seeded:
    """A team covering ``houses`` houses and its leader, committed for the live server;
    with ``enterprise``, an industrial zone around the first house and a company in it;
    ``gps_tracking``: the team agreed to patrol tracks."""

    async def build() -> Seeded:
        engine = make_engine(settings.database_url)
        try:
            async with make_session_factory(engine)() as session:
                world = await make_world(
                    session, houses=houses, name="Hòa Bình ", gps_tracking=gps_tracking
                )
                out = Seeded(
                    phone=world.leader.phone,
                    member_phone=world.member.phone,
                    tokens=[h.checkpoint_token for h in world.houses],
                    house_names=[h.name for h in world.houses],
                    house_ids=[str(h.id) for h in world.houses],
                    team_id=str(world.team.id),
                    leader_id=str(world.leader.id),
                    police_id=str(world.police.id),
                )
                if enterprise:
                    site = await make_site(session, lon=BASE_LON, lat=BASE_LAT)
                    company = await make_enterprise(session, site=site, name="Công ty May Việt")
                    out.enterprise_id = str(company.id)
                await session.commit()
                return out
        finally:
            await engine.dispose()

    return run_async(build)


def query(settings: Settings, sql: str, **params):
    """Rows of one SQL statement, read with a fresh engine beside the browser."""

    async def read():
        engine = make_engine(settings.database_url)
        try:
            async with engine.connect() as conn:
                return (await conn.execute(text(sql), params)).all()
        finally:
            await engine.dispose()

    return run_async(read)


def phone_context(browser, live_server):
    """A 360 px wide phone with a GPS fix near the first house; yields (context, log)."""
    context = browser.new_context(
        # The app's CSP forbids eval; Playwright's wait_for_function("…") evaluates its string
        # argument in the page, so the test's own probes need the bypass (the app's code does not).
        bypass_csp=True,
        base_url=live_server.url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        permissions=["geolocation"],
        geolocation={"latitude": BASE_LAT + 0.0001, "longitude": BASE_LON, "accuracy": 12},
    )
    log = RequestLog(live_server.url)
    context.on("request", log.record)
    return context, log


def sign_in(page, phone: str, *, first: bool = True) -> None:
    if first:
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto("/field/")
    page.fill("#phone", phone)
    page.fill("#password", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_selector("[data-testid=registry-info]")
    page.wait_for_function(
        "document.querySelector('[data-testid=registry-at]')?.textContent !== 'chưa bao giờ'"
    )
    # The shell is cached and this page is controlled: from now on it opens with no network.
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15000)


def lose_first_answer(page, pattern: str) -> list:
    """Route ``pattern`` so the server handles the first request but its answer never reaches
    the phone; returns the list of (Idempotency-Key, Idempotent-Replayed) of every call."""
    calls: list = []

    def handle(route):
        response = route.fetch()
        key = route.request.headers.get("idempotency-key")
        calls.append((key, response.headers.get("idempotent-replayed")))
        if len(calls) == 1:
            route.abort()
        else:
            route.fulfill(response=response)

    page.route(pattern, handle)
    return calls


def wait_synced(page, runs: int) -> None:
    """Until a sync run after the ``runs``-th has finished."""
    page.wait_for_function(
        "n => Number(document.body.dataset.synced) > n && document.body.dataset.syncing === '0'",
        arg=runs,
    )


def synced_runs(page) -> int:
    """How many sync runs have finished, once none is running (a run still finishing would
    otherwise pass for the next one)."""
    page.wait_for_function("document.body.dataset.syncing !== '1'")
    return int(page.evaluate("document.body.dataset.synced || '0'"))


WAIT_EMPTY = "document.querySelector('[data-testid=waiting]').textContent === '0'"


def online_losing_first_answer(context, page, pattern: str) -> list:
    """Back online with the first answer to ``pattern`` lost; the button sends again, until
    nothing waits. Returns the calls as ``lose_first_answer`` records them."""
    calls = lose_first_answer(page, pattern)
    runs = synced_runs(page)
    context.set_offline(False)  # the `online` event starts an upload by itself
    wait_synced(page, runs)
    page.click("#sync-now")
    page.wait_for_function(WAIT_EMPTY)
    return calls


def waiting(page) -> int:
    return int(page.text_content("[data-testid=waiting]"))


def photo(tmp_path: Path) -> Path:
    """A 3000x2000 photo, larger than the app keeps: it must be shrunk before it waits."""
    path = tmp_path / "hien-truong.png"
    image = Image.new("RGB", (3000, 2000), (200, 80, 40))
    image.paste((20, 90, 200), (500, 500, 2500, 1500))
    image.save(path)
    return path


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0); document.getElementById('toast').textContent = ''")
        path = Path(SCREENSHOTS) / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        # A 96-colour palette: a flat UI loses nothing visible, and the README stays light.
        with Image.open(path) as image:
            small = image.convert("RGB").quantize(colors=96)
        small.save(path, optimize=True)
