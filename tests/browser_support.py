"""How the tests (and docs/report_screenshot.py) start Debian's chromium headless."""

import os

CHROMIUM = os.environ.get("UNSPIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
