"""An awareness session with photos, logged offline: the photos are shrunk on the phone, wait in
the outbox behind their session, and are stored exactly once (one answer lost on the way)."""

import json
from pathlib import Path

import pytest
from PIL import Image

from tests.field.phone import (
    online_losing_first_answer,
    photo,
    query,
    waiting,
)

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")


def test_awareness_photos_are_shrunk_and_arrive_once(open_phone, settings, tmp_path):
    phone = open_phone(houses=1)
    context, log, page = phone.context, phone.log, phone.page
    context.set_offline(True)
    page.goto("/field/#/awareness")
    page.fill("#place", "Sân nhà trọ Hòa Bình")
    page.check("[name=topics][value=job_offer]")
    page.fill("#workers", "40")
    second = tmp_path / "second.png"
    Image.new("RGB", (1200, 900), (10, 150, 60)).save(second)
    page.set_input_files("#photos", [str(photo(tmp_path)), str(second)])
    page.wait_for_function("document.querySelectorAll('#thumbs img').length === 2")
    page.click("#awareness button[type=submit]")
    page.wait_for_selector("[data-testid=registry-info]")
    assert waiting(page) == 3  # the session and its two photos

    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert waiting(page) == 3

    calls = online_losing_first_answer(context, page, "**/api/v1/awareness-sessions/*/photos/*")
    assert len(calls) == 3  # the first photo twice (its answer was lost), the second once

    sessions = query(settings, "SELECT id, photo_refs, workers_count FROM awareness_session")
    assert len(sessions) == 1 and sessions[0].workers_count == 40
    rows = query(settings, "SELECT id, session_id, content_type, storage_key FROM awareness_photo")
    assert len(rows) == 2 and {r.content_type for r in rows} == {"image/jpeg"}
    refs = sessions[0].photo_refs
    refs = json.loads(refs) if isinstance(refs, str) else refs
    assert sorted(str(r.id).replace("-", "") for r in rows) == sorted(
        r.replace("-", "") for r in refs
    )
    sizes = []
    for row in rows:
        with Image.open(Path(settings.attachment_dir) / row.storage_key) as stored:
            sizes.append(max(stored.size))
    assert sorted(sizes) == [1200, 1600]  # 3000 px shrunk on the phone; 1200 px kept
    assert log.foreign() == []
