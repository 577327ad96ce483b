"""Attachments on local disk: type sniffing, limits, idempotent upload, EXIF/GPS stripping."""

import io
import uuid

import pytest
from PIL import ExifTags, Image

from backend.incidents.media import sniff
from tests.factories import auth
from tests.incidents import media_samples as samples
from tests.incidents.world import report, timeline


@pytest.fixture
def settings(settings, tmp_path):
    return settings.model_copy(
        update={
            "attachment_dir": str(tmp_path / "attachments"),
            "attachment_max_bytes": 64 * 1024,
            "attachment_max_per_incident": 3,
        }
    )


async def _upload(client, app, user, iid, data: bytes, name="anh.jpg", aid=None):
    aid = aid or uuid.uuid4()
    return await client.put(
        f"/api/v1/incidents/{iid}/attachments/{aid}",
        files={"file": (name, data, "image/jpeg")},
        headers=auth(app, user),
    )


async def _content(client, app, user, iid, aid):
    return await client.get(
        f"/api/v1/incidents/{iid}/attachments/{aid}/content", headers=auth(app, user)
    )


def test_sniffing_from_bytes():
    assert sniff(samples.jpeg_with_gps()).content_type == "image/jpeg"
    assert sniff(samples.png_with_text()).content_type == "image/png"
    assert sniff(samples.m4a()).content_type == "audio/mp4"
    assert sniff(samples.amr()).content_type == "audio/amr"
    assert sniff(b"OggS\x00\x02" + b"\x00" * 30).content_type == "audio/ogg"
    assert sniff(b"ID3\x04\x00" + b"\x00" * 30).content_type == "audio/mpeg"
    assert sniff(b"\xff\xf1\x50\x80" + b"\x00" * 30).content_type == "audio/aac"
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ").content_type == "audio/wav"
    assert sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00").content_type == "image/heic"
    for bad in (samples.mp4_video(), b"<html>hi</html>", b"MZ\x90\x00", b"%PDF-1.7", b""):
        assert sniff(bad) is None


async def test_protected_reporter_photo_loses_exif_and_gps(app, client, session, city):
    iid = (
        await report(client, app, city.member_a, category="trafficking", protect_reporter=True)
    ).json()["id"]
    original = samples.jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    r = await _upload(client, app, city.member_a, iid, original)
    assert r.status_code == 201, r.text
    meta = r.json()
    assert meta["metadata_stripped"] is True and meta["content_type"] == "image/jpeg"
    got = await _content(client, app, city.police_a1, iid, meta["id"])
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    stored = got.content
    image = Image.open(io.BytesIO(stored))
    assert dict(image.getexif()) == {}
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Exif" not in stored and b"TestCam" not in stored and b"taken at home" not in stored
    assert image.size == (48, 64)  # the orientation was applied before the tag was dropped
    # The uploader is the protected reporter: anonymous in the timeline too.
    line = next(e for e in await timeline(session, iid) if e.kind == "attachment")
    assert line.actor_id is None and line.detail["stripped"] is True
    png = await _upload(client, app, city.member_a, iid, samples.png_with_text(), "a.png")
    assert png.status_code == 201 and png.json()["metadata_stripped"] is True
    got = await _content(client, app, city.police_a1, iid, png.json()["id"])
    assert b"Location" not in got.content and Image.open(io.BytesIO(got.content)).mode == "RGBA"


async def test_ordinary_photo_kept_as_sent(app, client, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    original = samples.jpeg_with_gps()
    r = await _upload(client, app, city.member_a, iid, original)
    assert r.status_code == 201 and r.json()["metadata_stripped"] is False
    got = await _content(client, app, city.officer_gx, iid, r.json()["id"])
    assert got.content == original


async def test_type_is_sniffed_not_trusted(app, client, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    r = await _upload(client, app, city.member_a, iid, b"<html>not a photo</html>", "anh.jpg")
    assert r.status_code == 415 and r.json()["code"] == "unsupported_attachment_type"
    r = await _upload(client, app, city.member_a, iid, samples.mp4_video(), "ghi_am.m4a")
    assert r.status_code == 415
    r = await _upload(client, app, city.member_a, iid, b"\xff\xd8\xff\xe0garbage", "a.jpg")
    assert r.status_code == 422 and r.json()["code"] == "attachment_unreadable"
    r = await _upload(client, app, city.member_a, iid, samples.m4a(), "voice.jpg")
    assert r.status_code == 201 and r.json()["kind"] == "audio"
    assert r.json()["content_type"] == "audio/mp4"


async def test_heic_refused_for_protected_reporters(app, client, city):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
    iid = (await report(client, app, city.member_a, protect_reporter=True)).json()["id"]
    r = await _upload(client, app, city.member_a, iid, heic, "a.heic")
    assert r.status_code == 415
    iid = (await report(client, app, city.member_a)).json()["id"]
    r = await _upload(client, app, city.member_a, iid, heic, "a.heic")
    assert r.status_code == 201 and r.json()["content_type"] == "image/heic"


async def test_limits(app, client, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    r = await _upload(client, app, city.member_a, iid, samples.amr(64 * 1024 + 1), "a.amr")
    assert r.status_code == 413 and r.json()["code"] == "attachment_too_large"
    for _ in range(3):
        r = await _upload(client, app, city.member_a, iid, samples.amr(), "a.amr")
        assert r.status_code == 201
    r = await _upload(client, app, city.member_a, iid, samples.amr(), "a.amr")
    assert r.status_code == 409 and r.json()["code"] == "attachment_limit_reached"


async def test_upload_is_idempotent(app, client, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    aid = uuid.uuid4()
    first = await _upload(client, app, city.member_a, iid, samples.amr(), aid=aid)
    again = await _upload(client, app, city.member_a, iid, samples.amr(), aid=aid)
    assert (first.status_code, again.status_code) == (201, 200)
    other = await _upload(client, app, city.member_a, iid, samples.amr(300), aid=aid)
    assert other.status_code == 409 and other.json()["code"] == "attachment_conflict"
    listed = await client.get(
        f"/api/v1/incidents/{iid}/attachments", headers=auth(app, city.officer_gx)
    )
    assert [a["id"] for a in listed.json()["items"]] == [str(aid)]
    assert listed.json()["items"][0]["download_url"].endswith(f"/attachments/{aid}/content")


async def test_sensitive_case_media_withheld_from_union(app, client, city):
    iid = (await report(client, app, city.member_a, category="trafficking")).json()["id"]
    aid = (await _upload(client, app, city.member_a, iid, samples.jpeg_with_gps())).json()["id"]
    listed = await client.get(
        f"/api/v1/incidents/{iid}/attachments", headers=auth(app, city.officer_gx)
    )
    [item] = listed.json()["items"]
    assert item["withheld"] is True and item["download_url"] is None
    # Nothing that could match a photo someone holds to the person who sent it.
    assert (item["sha256"], item["size_bytes"], item["created_at"]) == (None, None, None)
    assert item["content_type"] is None and item["kind"] == "photo"
    full = await client.get(
        f"/api/v1/incidents/{iid}/attachments", headers=auth(app, city.police_a1)
    )
    assert full.json()["items"][0]["sha256"] and full.json()["items"][0]["size_bytes"]
    assert (await _content(client, app, city.officer_gx, iid, aid)).status_code == 403
    assert (await _content(client, app, city.police_a1, iid, aid)).status_code == 200
    assert (await _content(client, app, city.member_a, iid, aid)).status_code == 200  # reporter


async def test_no_attachments_on_finished_incidents(app, client, city):
    iid = (await report(client, app, city.member_a)).json()["id"]
    await client.post(
        f"/api/v1/incidents/{iid}/transitions",
        json={"action": "reject", "comment": "Trùng"},
        headers=auth(app, city.officer_gx),
    )
    r = await _upload(client, app, city.member_a, iid, samples.amr())
    assert r.status_code == 409 and r.json()["code"] == "incident_closed"
    r = await _content(client, app, city.member_a, iid, uuid.uuid4())
    assert r.status_code == 404
