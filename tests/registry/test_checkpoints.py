"""Checkpoint tokens: QR images that decode back to the token, who may fetch and rotate
them, and the A4 printout."""

import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageFont
from sqlalchemy import select

from backend.models import AuditEvent, BoardingHouse, RetiredCheckpoint
from backend.registry.checkpoints import qr
from backend.registry.checkpoints.tokens import house_for_token
from tests.factories import auth

SVG = "{http://www.w3.org/2000/svg}"


def decode_png(data: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


def svg_to_image(data: bytes) -> Image.Image:
    """Rasterise the QR of our SVG: segno draws each dark run as a horizontal path segment."""
    inner = ET.fromstring(data).find(f"{SVG}svg")
    modules = int(inner.get("viewBox").split()[2])
    matrix = np.zeros((modules, modules), dtype=bool)
    x = y = 0.0
    for cmd, args in re.findall(r"([MmHh])([^MmHh]*)", inner.find(f"{SVG}path").get("d")):
        nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if cmd == "M":
            x, y = nums
        elif cmd == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            end = nums[0] if cmd == "H" else x + nums[0]
            matrix[int(y), int(x) : int(end)] = True
            x = end
    pixels = np.where(matrix, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).resize((modules * 8, modules * 8), Image.NEAREST)


async def _token(session, house) -> str:
    return await session.scalar(
        select(BoardingHouse.checkpoint_token)
        .where(BoardingHouse.id == house.id)
        .execution_options(populate_existing=True)
    )


async def test_png_decodes_back_to_the_token(app, client, session, world):
    r = await client.get(
        f"/api/v1/houses/{world.h_a1.id}/qr.png", headers=auth(app, world.leader_a)
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"] == "no-store"
    token = await _token(session, world.h_a1)
    assert decode_png(r.content) == [token]
    assert len(token) >= 22  # ≥ 128 bits of URL-safe base64
    image = Image.open(io.BytesIO(r.content))
    assert image.height > image.width  # room for the name under the code


async def test_svg_decodes_back_to_the_token_and_carries_the_name(app, client, session, world):
    r = await client.get(
        f"/api/v1/houses/{world.h_a1.id}/qr.svg", headers=auth(app, world.officer_x)
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    token = await _token(session, world.h_a1)
    assert [x.text for x in zxingcpp.read_barcodes(svg_to_image(r.content))] == [token]
    texts = [t.text for t in ET.fromstring(r.content).iter(f"{SVG}text")]
    assert "Nhà trọ Hòa Bình" in texts


def test_png_label_draws_vietnamese_glyphs():
    path = qr.font_path()
    if path is None:  # a machine without any Vietnamese-capable font: names lose their marks
        assert qr.strip_marks("Nhà trọ Đức Thành") == "Nha tro Duc Thanh"
        pytest.skip("no TrueType font with Vietnamese glyphs on this machine")
    font = ImageFont.truetype(path, 24)
    assert qr.covers(font, "Nhà trọ Hòa Bình – Đức Thành, ưởng ệ")
    # Diacritics really change the drawing (no boxes, no dropped marks).
    assert qr.render_png("x" * 32, "Hòa Bình") != qr.render_png("x" * 32, "Hoa Binh")


def test_label_with_markup_is_escaped_in_svg():
    svg = qr.render_svg("t" * 32, 'Nhà <trọ> & "Co"', "NT-1")
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert 'Nhà <trọ> & "Co"' in texts


QR_ACCESS = [
    ("admin", 200),
    ("city_officer", 200),
    ("officer_x", 200),
    ("leader_a", 200),
    ("member_a", 403),  # sees the house, may not hold its secret
    ("police_a", 403),
    ("leader_b", 404),
    ("officer_y", 404),
]


async def test_who_may_fetch_the_qr(app, client, session, world):
    for role, expected in QR_ACCESS:
        user = getattr(world, role)
        for fmt in ("png", "svg"):
            r = await client.get(
                f"/api/v1/houses/{world.h_a1.id}/qr.{fmt}", headers=auth(app, user)
            )
            assert r.status_code == expected, (role, fmt, r.text)
    reads = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "boarding_house.checkpoint_read")
        )
    ).all()
    allowed = {getattr(world, role).id for role, expected in QR_ACCESS if expected == 200}
    assert len(reads) == 2 * len(allowed)
    assert {e.actor_id for e in reads} == allowed


async def test_rotation_retires_the_old_token(app, client, session, world):
    old_token = await _token(session, world.h_a1)
    old_checkpoint = world.h_a1.checkpoint_id
    path = f"/api/v1/houses/{world.h_a1.id}/checkpoint/rotate"
    r = await client.post(path, headers=auth(app, world.member_a) | {"If-Match": '"1"'})
    assert r.status_code == 403
    r = await client.post(path, headers=auth(app, world.leader_b) | {"If-Match": '"1"'})
    assert r.status_code == 404
    version = world.h_a1.version
    r = await client.post(path, headers=auth(app, world.leader_a) | {"If-Match": '"999"'})
    assert r.status_code == 412 and r.json()["current_version"] == version
    r = await client.post(path, headers=auth(app, world.leader_a) | {"If-Match": f'"{version}"'})
    assert r.status_code == 200, r.text
    assert r.json()["checkpoint_id"] != str(old_checkpoint)
    assert r.headers["etag"] == f'"{version + 1}"'

    new_token = await _token(session, world.h_a1)
    assert new_token != old_token
    retired = await session.get(RetiredCheckpoint, old_token)
    assert retired is not None and retired.house_id == world.h_a1.id
    assert await house_for_token(session, token=old_token) == (
        await session.get(BoardingHouse, world.h_a1.id),
        True,
    )
    house, is_retired = await house_for_token(session, token=new_token)
    assert house.id == world.h_a1.id and not is_retired
    r = await client.get(
        f"/api/v1/houses/{world.h_a1.id}/qr.png", headers=auth(app, world.leader_a)
    )
    assert decode_png(r.content) == [new_token]
    event = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "boarding_house.checkpoint_rotate")
        )
    ).one()
    assert event.actor_id == world.leader_a.id
    assert old_token not in str(event.before) + str(event.after)


async def test_tokens_are_unique(session, world):
    tokens = (await session.scalars(select(BoardingHouse.checkpoint_token))).all()
    assert len(tokens) == len(set(tokens)) == 4


async def test_printout_of_a_team(app, client, session, world):
    params = {"team_id": str(world.team_a.id)}
    r = await client.get(
        "/api/v1/houses/printout", params=params, headers=auth(app, world.leader_a)
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store"
    html = r.text
    assert "size: A4" in html and "@page" in html
    assert "Nhà trọ Hòa Bình" in html and "Nhà trọ Đức Thành" in html
    assert "12 đường Độc Lập" in html
    assert html.count('class="card"') == 2
    assert "Nhà trọ Bình An" not in html
    assert "<script" not in html
    # Each sticker's QR decodes to its house's token.
    root = ET.fromstring(
        "<root xmlns='http://www.w3.org/2000/svg'>"
        + "".join(re.findall(r"<svg .*?</svg>", html))
        + "</root>"
    )
    decoded = set()
    for element in root.findall(f"{SVG}svg"):
        wrapped = ET.Element(f"{SVG}svg")
        wrapped.append(element)
        decoded |= {x.text for x in zxingcpp.read_barcodes(svg_to_image(ET.tostring(wrapped)))}
    assert decoded == {await _token(session, world.h_a1), await _token(session, world.h_a2)}
    audit = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "boarding_house.checkpoint_printout")
        )
    ).one()
    assert audit.detail["count"] == 2


async def test_printout_access(app, client, world, monkeypatch):
    params = {"team_id": str(world.team_a.id)}
    r = await client.get(
        "/api/v1/houses/printout", params=params, headers=auth(app, world.member_a)
    )
    assert r.status_code == 403
    r = await client.get(
        "/api/v1/houses/printout", params=params, headers=auth(app, world.police_a)
    )
    assert r.status_code == 403
    r = await client.get(
        "/api/v1/houses/printout", params=params, headers=auth(app, world.leader_b)
    )
    assert r.status_code == 404
    # A union officer prints any filtered set of their houses; the city all of them.
    r = await client.get("/api/v1/houses/printout", headers=auth(app, world.officer_x))
    assert r.text.count('class="card"') == 2
    r = await client.get("/api/v1/houses/printout", headers=auth(app, world.admin))
    assert r.text.count('class="card"') == 4

    from backend.core.config import Settings
    from backend.registry.checkpoints import router as checkpoint_router

    monkeypatch.setattr(checkpoint_router, "get_settings", lambda: Settings(printout_max_houses=3))
    r = await client.get("/api/v1/houses/printout", headers=auth(app, world.admin))
    assert (r.status_code, r.json()["code"]) == (422, "too_many_houses")
