"""Console lists past their first page: the police queue, awareness sessions, commendations,
accounts and the audit log page by keyset cursors with their filters kept; the awareness
figures count the whole period, not the page; the files start from the filters and hold every
row."""

import html
import re
import uuid

from sqlalchemy import select

from backend.audit.service import record
from backend.console import admin, admin_ops, police, union_awareness, union_commendations
from backend.models import UserScope
from tests.console.conftest import csrf, sign_in
from tests.console.test_incidents import trafficking
from tests.console.test_union_pages import NOVEMBER, frozen, topics  # noqa: F401 (fixtures)
from tests.factories import auth, make_user
from tests.monitoring.factories import session_body


async def walk(client, url: str, ids: list[str], link: str) -> tuple[list[str], list[str]]:
    """Follow a list's next-page links from ``url``: the pages' texts and the ``ids`` in the
    order the pages show them."""
    pages, seen = [], []
    while url:
        page = await client.get(url)
        assert page.status_code == 200, page.text
        pages.append(page.text)
        seen += sorted((i for i in ids if i in page.text), key=page.text.index)
        found = re.search(rf'id="{link}" rel="next" href="([^"]+)"', page.text)
        url = html.unescape(found[1]) if found else None
    return pages, seen


async def test_the_police_queue_pages_in_the_apis_order(client, app, city, monkeypatch):
    monkeypatch.setattr(police, "QUEUE_LIMIT", 2)
    made = [await trafficking(client, app, city) for _ in range(5)]
    api = await client.get(
        "/api/v1/incidents/queue", params={"limit": 50}, headers=auth(app, city.police_a1)
    )
    order = [i["id"] for i in api.json()["items"]]
    assert sorted(order) == sorted(made)
    await sign_in(client, city.police_a1)
    pages, seen = await walk(client, "/queue", made, "more")
    assert len(pages) == 3 and seen == order
    # The live refresh of a later page stays on that page.
    second = re.search(r'data-refresh="([^"]+)"', pages[1])[1]
    assert "cursor=" in second
    items = await client.get(html.unescape(second))
    assert [i for i in order if i in items.text] == order[2:4]
    # The files hold the whole queue, whatever page the link was on.
    file = (await client.get("/queue", params={"format": "csv"})).content.decode("utf-8-sig")
    assert all(i in file for i in made)
    assert (await client.get("/queue", params={"cursor": "forged"})).status_code == 422
    client.cookies.clear()
    await sign_in(client, city.police_b)  # another ward's liaison: none of it, on any page
    _, theirs = await walk(client, "/queue", made, "more")
    assert theirs == []


async def test_awareness_pages_and_counts_the_whole_period(
    client,
    app,
    city,
    topics,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(union_awareness, "LIMIT", 2)
    titles = [f"Buổi tuyên truyền số {n}" for n in range(5)]
    for n, title in enumerate(titles):
        day = 20 + n // 2  # two pairs on the same evening: the id breaks the tie
        put = await client.put(
            f"/api/v1/awareness-sessions/{uuid.uuid4()}",
            json=session_body(city.team_a, title=title, held_at=f"2026-11-{day}T19:30:00+07:00"),
            headers=auth(app, city.leader_a),
        )
        assert put.status_code == 201, put.text
    await sign_in(client, city.officer_x)
    query = "&".join(f"{k}={v}" for k, v in NOVEMBER.items())
    pages, seen = await walk(client, f"/awareness?{query}&q=tuyen+truyen", titles, "older")
    assert len(pages) == 3 and sorted(seen) == sorted(titles) and len(seen) == 5
    assert seen[0] == titles[4] and seen[-1] in titles[:2]  # newest first
    for text in pages:
        # 5 sessions of 48 people each, on every page; the page says it shows part of them.
        assert re.search(r'class="n">5</span><span>Buổi', text)
        assert re.search(r'class="n">240</span><span>Người nghe', text)
    assert "Hiển thị 2 trên 5" in pages[0]
    assert "q=tuyen+truyen" in re.search(r'id="older" rel="next" href="([^"]+)"', pages[0])[1]
    bad = await client.get("/awareness", params={**NOVEMBER, "cursor": "bm90IGEgY3Vyc29y"})
    assert bad.status_code == 422


async def test_commendations_page_older(client, app, city, monkeypatch):
    monkeypatch.setattr(union_commendations, "LIMIT", 2)
    numbers = [f"{n}/QĐ-LĐLĐ" for n in range(10, 15)]
    await sign_in(client, city.officer_x)
    for n, number in enumerate(numbers):
        form = {
            "csrf_token": await csrf(client, "/commendations"),
            "team_id": str(city.team_a.id),
            "level": "district",
            "form": "Giấy khen",
            "decision_number": number,
            "decided_on": f"2026-11-{10 + n // 2}",  # pairs on one day: the id breaks the tie
            "issuing_body": "LĐLĐ Quận 7",
            "reason": "Tuần tra đều",
        }
        assert (await client.post("/commendations", data=form)).status_code == 303
    query = "&".join(f"{k}={v}" for k, v in NOVEMBER.items())
    pages, seen = await walk(client, f"/commendations?{query}", numbers, "older")
    assert len(pages) == 3 and sorted(seen) == sorted(numbers) and len(seen) == 5
    assert seen[0] == numbers[4]
    client.cookies.clear()
    await sign_in(client, city.officer_y)
    _, theirs = await walk(client, f"/commendations?{query}", numbers, "older")
    assert theirs == []


async def test_admin_users_search_and_page_by_name(client, city, session, monkeypatch):
    monkeypatch.setattr(admin, "PAGE", 2)
    zungs = []
    for n, phone in enumerate(("0912 345 001", "0912 345 002", "0912 345 003")):
        user = await make_user(session, role="team_member", phone=phone)
        user.full_name = f"Trần Thị Zung {n}"
        zungs.append(user)
    await session.commit()
    await sign_in(client, city.admin)
    names = [u.full_name for u in zungs]
    pages, seen = await walk(client, "/admin/users?role=team_member&q=zung", names, "more")
    assert len(pages) == 2 and seen == names  # by name, the role and search kept
    assert "Hiển thị 2 trên 3" in pages[0]
    one = await client.get("/admin/users", params={"q": "+84 912 345 002"})  # a whole phone
    assert names[1] in one.text and names[0] not in one.text
    # The file holds every matching account, not the page's two.
    file = await client.get("/admin/users", params={"q": "zung", "format": "csv"})
    assert all(name in file.text for name in names)
    assert (await client.get("/admin/users", params={"cursor": "x"})).status_code == 422


async def test_the_audit_log_pages_older(client, city, session, monkeypatch):
    monkeypatch.setattr(admin, "PAGE", 2)
    ids = []
    for n in range(5):
        event = await record(
            session, actor=None, action="paging.test", object_type="paging", object_id=f"p-{n}"
        )
        await session.flush()
        ids.append(event.id)
    await session.commit()
    await sign_in(client, city.admin)
    marks = [f"p-{n}<" for n in range(5)]  # the object id as the page shows it
    pages, seen = await walk(client, "/admin/audit?object_type=paging", marks, "older")
    assert len(pages) == 3 and seen == marks[::-1]  # newest first, each once
    file = await client.get("/admin/audit", params={"object_type": "paging", "format": "csv"})
    assert all(f"p-{n}" in file.text for n in range(5))
    client.cookies.clear()
    await sign_in(client, city.officer_x)
    assert (await client.get("/admin/audit", params={"object_type": "paging"})).status_code == 403


async def test_police_jurisdictions_page_by_id(client, city, session, monkeypatch):
    monkeypatch.setattr(admin_ops, "LIMIT", 1)
    await sign_in(client, city.admin)
    scopes = (
        await session.scalars(
            select(UserScope).where(UserScope.user_id.in_([city.police_a1.id, city.police_b.id]))
        )
    ).all()
    assert len(scopes) >= 2
    marks = [f'action="/admin/jurisdictions/{s.id}/delete"' for s in scopes]
    pages, seen = await walk(client, "/admin/jurisdictions", marks, "more")
    assert sorted(seen) == sorted(marks) and len(pages) >= len(scopes)
