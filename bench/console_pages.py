"""Time to first render and bytes of the console's two busiest pages, in headless Chromium.

Usage (a server on the demo city, or on a bench city, must be running):

    python bench/console_pages.py --base http://127.0.0.1:8000 [--shots docs/console] [--runs 5]

Signs in as the demo police liaison (360-px phone) and union officer (desk), loads the police
queue and the union dashboard, and prints per page the median over runs of: server time (the
document's requestStart → responseStart), first contentful paint, load event, and the bytes
the page transferred (document + every asset, encoded sizes; cold cache). With --shots it
saves the README screenshots. Uses the system Chromium; never downloads a browser.
"""

import argparse
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "ttq-demo-2026"
PAGES = [
    ("police queue (360 px)", "0901000004", {"width": 360, "height": 740}, "police-queue.png"),
    ("union dashboard (desk)", "0901000003", {"width": 1280, "height": 900}, "union-dashboard.png"),
]
MEASURE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const res = performance.getEntriesByType('resource');
  const bytes = nav.transferSize + res.reduce((a, r) => a + (r.transferSize || 0), 0);
  return {server: nav.responseStart - nav.requestStart, fcp: fcp ? fcp.startTime : null,
          load: nav.loadEventEnd - nav.startTime, bytes, requests: res.length + 1};
}"""


def measure(browser, base: str, phone: str, viewport: dict, shot: Path | None, runs: int):
    results = []
    for run in range(runs):
        context = browser.new_context(base_url=base, viewport=viewport)
        page = context.new_page()
        page.goto("/login")
        page.fill("#phone", phone)
        page.fill("#password", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_load_state("networkidle")
        # A fresh context each run, reloaded with the cache disabled: cold-cache bytes.
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.goto("/", wait_until="load")
        page.wait_for_timeout(300)
        results.append(page.evaluate(MEASURE))
        if shot and run == 0:
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(shot), full_page=True)
        context.close()
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--shots", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--browser", default="/usr/bin/chromium")
    args = parser.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.browser, args=CHROMIUM_ARGS)
        for name, phone, viewport, filename in PAGES:
            shot = args.shots / filename if args.shots else None
            m = measure(browser, args.base, phone, viewport, shot, args.runs)
            print(
                f"{name:<24} server {m['server']:6.1f} ms  first paint {m['fcp'] or 0:6.1f} ms  "
                f"load {m['load']:6.1f} ms  {m['bytes'] / 1024:6.1f} KiB in {m['requests']:.0f} "
                "requests"
            )
        browser.close()


if __name__ == "__main__":
    main()
