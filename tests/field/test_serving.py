"""How TTQ serves the field app: shell, manifest, service worker, static files, none in the spec."""

import json
import re
from pathlib import Path

from backend.field import router as field

VENDOR = Path(field.STATIC) / "vendor"


async def test_the_shell_is_served_and_field_redirects_to_it(client):
    r = await client.get("/field", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/field/"
    r = await client.get("/field/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-cache"
    assert 'lang="vi"' in r.text and 'rel="manifest"' in r.text
    assert '<script type="module" src="/field/static/js/app.js">' in r.text


async def test_the_service_worker_lists_a_shell_that_is_all_served(client):
    r = await client.get("/field/sw.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/field/"
    assert r.headers["cache-control"] == "no-cache"
    version = re.search(r'const VERSION = "([0-9a-f]{16})";', r.text).group(1)
    shell = json.loads(re.search(r"const SHELL = (\[.*\]);", r.text).group(1))
    assert version == field.shell()[0]
    assert "/field/" in shell and "/field/static/js/app.js" in shell
    assert "/field/static/vendor/zxing-wasm-3.1.4/reader/zxing_reader.wasm" in shell
    for url in shell:  # one missing file would make the whole install fail on the phone
        got = await client.get(url)
        assert got.status_code == 200, url
    wasm = await client.get("/field/static/vendor/zxing-wasm-3.1.4/reader/zxing_reader.wasm")
    assert wasm.headers["content-type"] == "application/wasm"
    assert wasm.content[:4] == b"\0asm"


async def test_every_module_the_app_imports_is_in_the_shell(client):
    shell = set(field.shell()[1])
    for path in (Path(field.STATIC) / "js").glob("*.js"):
        for name in re.findall(r'from "\./([\w-]+\.js)"', path.read_text()):
            assert f"/field/static/js/{name}" in shell, (path.name, name)


async def test_the_manifest_makes_the_app_installable(client):
    r = await client.get("/field/manifest.webmanifest")
    assert r.headers["content-type"].startswith("application/manifest+json")
    manifest = r.json()
    assert manifest["start_url"] == "/field/" and manifest["scope"] == "/field/"
    assert manifest["display"] == "standalone" and manifest["lang"] == "vi"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert (await client.get(icon["src"])).status_code == 200


async def test_the_field_app_is_not_part_of_the_api_spec(client):
    spec = (await client.get("/openapi.json")).json()
    assert not [p for p in spec["paths"] if p.startswith("/field")]


async def test_paths_cannot_leave_the_static_folder(client):
    r = await client.get("/field/static/../router.py")
    assert r.status_code == 404
    r = await client.get("/field/static/%2e%2e/router.py")
    assert r.status_code == 404


def test_vendored_code_is_pinned_and_licensed():
    packages = [p for p in VENDOR.iterdir() if p.is_dir()]
    assert packages
    for package in packages:
        assert re.fullmatch(r"[\w.-]+-\d+\.\d+\.\d+", package.name), package.name
        assert (package / "LICENSE").is_file() and (package / "VENDORED.txt").is_file()
