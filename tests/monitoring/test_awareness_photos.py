"""Photos of awareness sessions: uploaded once under the phone's id, stripped of EXIF/GPS,
listed and downloaded within the session's scope (404 outside it), every change audited."""

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from backend.core.config import Settings
from backend.models import AuditEvent
from backend.models.monitoring import AwarenessPhoto
from tests.factories import auth
from tests.monitoring.factories import make_world, session_body

URL = "/api/v1/awareness-sessions"


@pytest.fixture
def settings(settings: Settings, tmp_path) -> Settings:
    return settings.model_copy(update={"attachment_dir": str(tmp_path / "attachments")})


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (30, 120, 200))
    exif = Image.Exif()
    gps = {1: "N", 2: (10.0, 54.0, 0.0), 3: "E", 4: (106.0, 45.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def _stored_session(app, client, session):
    world = await make_world(session)
    await session.commit()
    sid = uuid.uuid4()
    r = await client.put(
        f"{URL}/{sid}", json=session_body(world.team1), headers=auth(app, world.member1)
    )
    assert r.status_code == 201, r.text
    return world, sid


def _files(data: bytes):
    return {"file": ("buoi-noi-chuyen.jpg", data, "image/jpeg")}


async def test_a_photo_is_stored_once_without_its_gps(app, client, session):
    world, sid = await _stored_session(app, client, session)
    headers = auth(app, world.member1)
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825)
    pid = uuid.uuid4()
    r = await client.put(f"{URL}/{sid}/photos/{pid}", files=_files(data), headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/jpeg"
    r = await client.put(f"{URL}/{sid}/photos/{pid}", files=_files(data), headers=headers)
    assert r.status_code == 200  # the same bytes again: nothing new
    other = Image.new("RGB", (10, 10), "red")
    buf = io.BytesIO()
    other.save(buf, "JPEG")
    r = await client.put(f"{URL}/{sid}/photos/{pid}", files=_files(buf.getvalue()), headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "photo_conflict"

    r = await client.get(f"{URL}/{sid}/photos", headers=auth(app, world.officer1))
    assert [p["id"] for p in r.json()["items"]] == [str(pid)]
    r = await client.get(r.json()["items"][0]["download_url"], headers=headers)
    assert r.status_code == 200
    stored = Image.open(io.BytesIO(r.content))
    assert stored.size == (64, 48) and not stored.getexif().get(0x8825)
    rows = (await session.scalars(select(AwarenessPhoto))).all()
    assert len(rows) == 1
    actions = (
        await session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("awareness_session.photo%"))
        )
    ).all()
    assert sorted(actions) == ["awareness_session.photo", "awareness_session.photo.read"]


async def test_other_teams_and_districts_get_404(app, client, session):
    world, sid = await _stored_session(app, client, session)
    pid = uuid.uuid4()
    r = await client.put(
        f"{URL}/{sid}/photos/{pid}", files=_files(jpeg_with_gps()), headers=auth(app, world.member1)
    )
    assert r.status_code == 201
    for outsider in (world.leader2, world.officer2, world.police_b):
        headers = auth(app, outsider)
        r = await client.put(
            f"{URL}/{sid}/photos/{uuid.uuid4()}", files=_files(jpeg_with_gps()), headers=headers
        )
        assert r.status_code == 404, (outsider.phone, r.text)
        assert (await client.get(f"{URL}/{sid}/photos", headers=headers)).status_code == 404
        r = await client.get(f"{URL}/{sid}/photos/{pid}/content", headers=headers)
        assert r.status_code == 404
    assert len((await session.scalars(select(AwarenessPhoto))).all()) == 1


async def test_what_is_not_a_photo_is_refused(app, client, session):
    world, sid = await _stored_session(app, client, session)
    headers = auth(app, world.member1)
    r = await client.put(
        f"{URL}/{sid}/photos/{uuid.uuid4()}",
        files={"file": ("x.txt", b"not a photo at all", "text/plain")},
        headers=headers,
    )
    assert r.status_code == 415
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.put(
        f"{URL}/{uuid.uuid4()}/photos/{uuid.uuid4()}",
        files=_files(jpeg_with_gps()),
        headers=headers,
    )
    assert r.status_code == 404
