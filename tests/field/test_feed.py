"""The notification feed: what the team was told (a police question, a status change) is shown
in Vietnamese, stays readable offline, and arrives live (the SSE stream, else polling)."""

import uuid

import httpx
import pytest

from backend.core.db import make_engine, make_session_factory
from backend.core.security import create_access_token
from backend.models.notification import UserNotification
from backend.notifications.outbox import enqueue
from backend.notifications.worker import run_worker
from tests.browser import local_ago, run_async
from tests.field.phone import phone_context, seed, sign_in

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")

QUESTION = "Người bán ma tuý đi xe biển số nào?"


def tell(settings, user_id: str, event_type: str, payload: dict) -> None:
    """An event in the user's feed, as the stream channel leaves it once delivered."""

    async def write():
        engine = make_engine(settings.database_url)
        try:
            async with make_session_factory(engine)() as session:
                event = await enqueue(
                    session,
                    event_type=event_type,
                    payload=payload,
                    recipient_user_ids=[uuid.UUID(user_id)],
                    channels=["stream"],
                )
                await session.flush()
                session.add(UserNotification(user_id=uuid.UUID(user_id), event_id=event.id))
                await session.commit()
        finally:
            await engine.dispose()

    run_async(write)


def test_the_feed_shows_questions_and_status_changes_and_works_offline(
    browser, live_server, settings
):
    world = seed(settings, houses=1)
    incident = str(uuid.uuid4())
    tell(
        settings,
        world.leader_id,
        "incident.question",
        {"incident_id": incident, "question_id": 1, "text": "Người lạ đi xe biển số nào?"},
    )
    tell(
        settings,
        world.leader_id,
        "incident.status_changed",
        {
            "incident_id": incident,
            "action": "acknowledge",
            "from": "escalated",
            "to": "acknowledged",
        },
    )
    context, _ = phone_context(browser, live_server)
    page = context.new_page()
    sign_in(page, world.phone)
    page.goto("/field/#/feed")
    page.click("#refresh")
    page.wait_for_selector("text=Câu hỏi về vụ việc")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("[data-testid=feed]")
    feed = page.text_content("[data-testid=feed]")
    assert "Người lạ đi xe biển số nào?" in feed
    assert "Vụ việc đổi trạng thái" in feed and "công an đã nhận" in feed
    context.close()


def _client(live_server, settings, user_id: str, role: str) -> httpx.Client:
    token = create_access_token(secret=settings.secret_key, user_id=user_id, role=role, minutes=5)
    return httpx.Client(
        base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=20
    )


def test_a_police_question_appears_live_without_a_reload(open_phone, live_server, settings):
    phone = open_phone(houses=1)
    world, log, page = phone.world, phone.log, phone.page
    page.goto("/field/#/feed")
    page.wait_for_selector("body[data-live=stream]")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    # A drugs report goes to the ward's police at once; the liaison asks the reporter a question
    # and the worker delivers it to the reporter's stream, as in production.
    incident = str(uuid.uuid4())
    with _client(live_server, settings, world.leader_id, "team_leader") as leader:
        r = leader.put(
            f"/api/v1/incidents/{incident}",
            json={
                "category": "drugs",
                "severity": 2,
                "occurred_at": local_ago(hours=2).isoformat(),
                "summary": "Có người bán ma tuý ở cổng sau",
                "house_id": world.house_ids[0],
            },
        )
        assert r.status_code == 201, r.text
    with _client(live_server, settings, world.police_id, "police_liaison") as police:
        r = police.post(f"/api/v1/incidents/{incident}/questions", json={"text": QUESTION})
        assert r.status_code == 201, r.text
    run_async(lambda: run_worker(settings, once=True))

    page.wait_for_selector(f"[data-testid=feed] >> text={QUESTION}", timeout=20000)
    assert page.evaluate("window.sameDocument") is True
    assert "Câu hỏi về vụ việc" in page.text_content("[data-testid=feed]")
    assert log.foreign() == []


def test_without_the_stream_the_feed_is_polled(browser, live_server, settings):
    world = seed(settings, houses=1)
    context, _ = phone_context(browser, live_server)
    page = context.new_page()
    page.add_init_script("window.TTQ_FEED_POLL_MS = 1000")  # the real 30 s, shortened
    # A proxy on the way that will not pass an event stream.
    page.route(
        "**/api/v1/notifications/stream",
        lambda route: route.fulfill(status=502, body="Bad Gateway"),
    )
    sign_in(page, world.phone)
    page.goto("/field/#/feed")
    page.wait_for_selector("body[data-live=poll]")
    page.evaluate("window.sameDocument = true")
    tell(
        settings,
        world.leader_id,
        "incident.question",
        {"incident_id": str(uuid.uuid4()), "question_id": 7, "text": QUESTION},
    )
    page.wait_for_selector(f"[data-testid=feed] >> text={QUESTION}", timeout=20000)
    assert page.evaluate("window.sameDocument") is True
    context.close()
