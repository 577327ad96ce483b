"""The outbox's other answers: a rejected item shows the server's message and can be dropped;
an expired access token is renewed by rotating the refresh token kept in IndexedDB."""

import time
import uuid

import pytest

from tests.browser import local_ago
from tests.field.phone import WAIT_EMPTY, query, shot, sign_in, waiting

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")

ENQUEUE = """async ([item, label]) => {
  const m = await import('/field/static/js/outbox.js');
  await m.enqueue(item, label);
}"""
SESSION = """async () => {
  const db = await import('/field/static/js/db.js');
  return db.kvGet('session');
}"""
EXPIRE = """async () => {
  const db = await import('/field/static/js/db.js');
  const s = await db.kvGet('session');
  await db.kvSet('session', {...s, access_expires: 0});
}"""


def awareness(team_id: str, **changes) -> dict:
    """An awareness-session record as the phone queues it, under a new UUID."""
    item = {
        "kind": "awareness_session",
        "id": str(uuid.uuid4()),
        "team_id": team_id,
        "held_at": local_ago(days=1).isoformat(),
        "place": "Sân nhà trọ",
        "topics": ["drugs"],
    }
    return {**item, **changes}


def same_id(stored, sent: str) -> bool:
    """A UUID read back from either engine (SQLite keeps it without dashes)."""
    return str(stored).replace("-", "") == sent.replace("-", "")


def send_from_outbox(page) -> None:
    page.goto("/field/#/outbox")
    page.click("#send")


def test_rejected_item_shows_the_server_message_and_can_be_discarded(open_phone, settings):
    phone = open_phone(houses=2)
    page = phone.page
    good = awareness(phone.world.team_id)
    bad = awareness(phone.world.team_id, topics=["khong-co-chu-de-nay"])
    page.evaluate(ENQUEUE, [bad, "Buổi sai chủ đề"])
    page.evaluate(ENQUEUE, [good, "Buổi đúng"])
    send_from_outbox(page)
    page.wait_for_selector("[data-testid=problem]")
    assert waiting(page) == 1  # the good one left; the refused one stays
    card = page.locator(f"[data-key='awareness_session:{bad['id']}']")
    assert "Bị từ chối" in card.text_content()
    assert page.text_content("[data-testid=problem]").strip()  # the server's own words
    shot(page, "5-outbox-rejected")
    rows = query(settings, "SELECT id FROM awareness_session")
    assert len(rows) == 1 and same_id(rows[0].id, good["id"])
    card.locator("[data-act=discard]").click()
    page.wait_for_function(WAIT_EMPTY)


def test_an_expired_access_token_is_renewed_by_rotating_the_refresh_token(open_phone, settings):
    page = open_phone(houses=1).page
    before = page.evaluate(SESSION)
    page.evaluate(EXPIRE)
    page.goto("/field/#/feed")
    page.click("#refresh")
    page.wait_for_function(
        "s => import('/field/static/js/db.js').then(d => d.kvGet('session'))"
        ".then(n => n.refresh_token !== s)",
        arg=before["refresh_token"],
    )
    after = page.evaluate(SESSION)
    assert after["device_id"] == before["device_id"]
    assert page.locator("[data-testid=feed]").is_visible()  # the call went through
    # One device, one rotation chain: the first token is spent and replaced by the second.
    sql = (
        "SELECT t.used_at, t.replaced_by_id FROM refresh_token t JOIN device d"
        " ON d.id = t.device_id WHERE d.client_device_id = :d ORDER BY t.created_at"
    )
    for _ in range(50):  # read beside a live server on a loaded machine: give it a moment
        chain = query(settings, sql, d=before["device_id"])
        if len(chain) == 2:
            break
        time.sleep(0.1)
    assert len(chain) == 2
    assert chain[0].used_at is not None and chain[0].replaced_by_id is not None
    assert chain[1].used_at is None


def test_records_wait_for_the_account_that_made_them(open_phone, settings):
    phone = open_phone(houses=1)
    page, world = phone.page, phone.world
    phone.context.set_offline(True)
    page.evaluate(ENQUEUE, [awareness(world.team_id), "Buổi của tổ trưởng"])
    page.click("#sign-out")  # offline: the tokens are forgotten on the phone
    page.wait_for_selector("#login")
    phone.context.set_offline(False)

    sign_in(page, world.member_phone, first=False)  # another member on the same phone
    send_from_outbox(page)
    page.wait_for_selector("text=của tài khoản khác")
    assert waiting(page) == 1
    assert query(settings, "SELECT id FROM awareness_session") == []

    page.goto("/field/#/")
    page.click("#sign-out")
    page.wait_for_selector("#login")
    sign_in(page, world.phone, first=False)
    page.wait_for_function(WAIT_EMPTY)
    rows = query(settings, "SELECT recorded_by FROM awareness_session")
    assert len(rows) == 1 and same_id(rows[0].recorded_by, world.leader_id)


def test_a_rejected_report_is_fixed_in_the_form_and_sent_under_its_own_id(open_phone, settings):
    phone = open_phone(houses=2)
    page, world = phone.page, phone.world
    report = {
        "kind": "incident",
        "id": str(uuid.uuid4()),
        "team_id": world.team_id,
        "category": "theft",
        "severity": 3,
        "occurred_at": local_ago(hours=2).isoformat(),
        "summary": "Mất điện thoại",
        "house_id": str(uuid.uuid4()),  # a house the server does not know
        "submit": True,
    }
    page.evaluate(ENQUEUE, [report, "Vụ việc: Mất điện thoại"])
    send_from_outbox(page)
    card = page.locator(f"[data-key='incident:{report['id']}']")
    card.locator("[data-testid=problem]").wait_for()
    card.locator("[data-act=fix]").click()
    page.wait_for_selector("#incident")
    assert page.locator(".problem").first.text_content().strip()  # the server's reason, again
    assert page.input_value("#summary") == "Mất điện thoại"
    page.select_option("#house", label=f"{world.house_names[1]} — Đường số 1, Dĩ An")
    page.click("button[value=send]")
    page.wait_for_function(WAIT_EMPTY)
    rows = query(settings, "SELECT id, house_id FROM incident")
    assert len(rows) == 1
    assert same_id(rows[0].id, report["id"]) and same_id(rows[0].house_id, world.house_ids[1])
