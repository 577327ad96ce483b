"""A patrol scanned with the camera: Chromium's fake camera plays a video made of the houses' own
QR stickers (the PNGs TTQ prints), and the app reads them with its decoder (BarcodeDetector where
the platform has one, else the ZXing WebAssembly build the app serves itself)."""

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from backend.core.security import create_access_token
from tests.browser import CHROMIUM_ARGS, _chromium_or_skip
from tests.field.phone import phone_context, query, seed, sign_in

# A browser test runs on one engine (tests/conftest.py): this one on SQLite, the embedded default.
pytestmark = pytest.mark.engine("sqlite")

WIDTH, HEIGHT, FPS = 480, 360, 4
# 0.75 s each: the decoder looks four times a second. The fake camera loops the video, so a
# sticker missed on a busy machine comes round again (a second read of a house is no new scan).
FRAMES_PER_STICKER = 3


def stickers(live_server, settings, world) -> list[Image.Image]:
    """The houses' QR PNGs, fetched as their team leader would to print them."""
    token = create_access_token(
        secret=settings.secret_key, user_id=world.leader_id, role="team_leader", minutes=5
    )
    out = []
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}) as c:
        for house_id in world.house_ids:
            r = c.get(f"/api/v1/houses/{house_id}/qr.png")
            assert r.status_code == 200, r.text
            out.append(Image.open(io.BytesIO(r.content)).convert("RGB"))
    return out


def y4m(images: list[Image.Image], path: Path) -> Path:
    """A 4:2:0 Y4M video showing each image in turn, centred on white, for Chromium's camera."""
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for image in images:
            frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
            image.thumbnail((WIDTH - 20, HEIGHT - 20))
            frame.paste(image, ((WIDTH - image.width) // 2, (HEIGHT - image.height) // 2))
            y, cb, cr = frame.convert("YCbCr").split()
            half = (WIDTH // 2, HEIGHT // 2)
            data = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
            for _ in range(FRAMES_PER_STICKER):
                f.write(b"FRAME\n" + data)
    return path


def test_a_patrol_scanned_with_the_camera(live_server, settings, tmp_path):
    world = seed(settings, houses=20)
    video = y4m(stickers(live_server, settings, world), tmp_path / "stickers.y4m")
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=args)
        try:
            context, log = phone_context(browser, live_server)
            context.grant_permissions(["camera", "geolocation"])
            page = context.new_page()
            sign_in(page, world.phone)
            page.click("text=Bắt đầu tuần tra")
            page.click("#start")
            page.click("#camera")
            page.wait_for_function(
                "document.querySelector('[data-testid=scan-count]').textContent === '20'",
                timeout=120_000,
            )
            assert page.evaluate("document.body.dataset.decoder") in ("native", "zxing-wasm")
            page.click("#camera")  # camera off
            page.click("#end")
            page.wait_for_function(
                "document.querySelector('[data-testid=waiting]').textContent === '0'",
                timeout=30_000,
            )
            assert log.foreign() == []
        finally:
            browser.close()

    scans = query(settings, "SELECT house_id, flags FROM checkpoint_scan")
    assert len(scans) == 20
    assert {str(s.house_id).replace("-", "") for s in scans} == {
        h.replace("-", "") for h in world.house_ids
    }
    assert not [s for s in scans if s.flags & 32]  # every sticker read right: no unknown token
