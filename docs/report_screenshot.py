"""Render the example HTML report and save the README screenshot (docs/report.png).

Usage (from the repository root, with Debian's chromium and Playwright installed):

    python docs/report_screenshot.py [--out docs/report.png] [--html /tmp/report.html]

The document is the hand-made fixture of the report tests (tests/report_docs.py): structure,
claims and entities from the baseline detectors, technique spans and actors written by hand.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from browser_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from report_docs import report_doc  # noqa: E402
from unspin.formats import render  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "report.png"))
    parser.add_argument("--html", default="")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    doc = report_doc()
    html_path = Path(args.html or Path(tempfile.mkdtemp()) / "report.html")
    html_path.write_text(render(doc, "html"), encoding="utf-8")
    quote = "a handful of professional complainers"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1240})
        page.goto(html_path.as_uri())
        page.locator(".seg", has_text=quote).first.click()
        page.screenshot(path=args.out, clip={"x": 0, "y": 0, "width": 1280, "height": 1240})
        browser.close()
    print(f"wrote {args.out} from {html_path}")


if __name__ == "__main__":
    main()
