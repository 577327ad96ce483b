"""The notification feed: what the team was told (a police question, a status change) is shown
in Vietnamese and stays readable offline."""

import uuid

from backend.core.db import make_engine, make_session_factory
from backend.models.notification import UserNotification
from backend.notifications.outbox import enqueue
from tests.browser import run_async
from tests.field.phone import phone_context, seed, sign_in


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
