"""Real browsers for the end-to-end tests: Debian's Chromium driven by Playwright (no browser is
downloaded), and a tab that records what the page requests and every script error, so that a test
fails on either. Screens are saved under reports/screens/; a failing test leaves `<test>.png`."""

import contextlib
import os
import re
import shutil

from tests.e2e.conftest import ROOT, missing_prerequisite

SCREENS = ROOT / "reports" / "screens"
TIMEOUT_MS = 15_000
# The browser logs every API refusal it receives; the screens expect those (signed out, a wrong
# password, a short sale). Any other error, a missing asset's 404 included, fails the test.
REFUSED = re.compile(r"Failed to load resource: the server responded with a status of (401|403|409|422) ")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        missing_prerequisite("Chromium is not installed: apt-get install chromium (.ci/run does)")
    return path


@contextlib.contextmanager
def launched_chromium():
    """Debian's Chromium under Playwright (the `browser` fixture of tests/e2e/conftest.py)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_prerequisite("playwright is not installed (requirements-dev.txt)")
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


class Screen:
    """A browser tab on the server; it records every request the page makes and every script error."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url
        self.requests, self.errors, self.dialogs = [], [], []
        page.set_default_timeout(TIMEOUT_MS)
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" and not REFUSED.match(msg.text) else None)
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def open(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def shot(self, name: str) -> None:
        SCREENS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)

    def sign_in(self, email: str, password: str) -> None:
        page = self.open("/app/")
        page.fill("#sign-in input[name=email]", email)
        page.fill("#sign-in input[name=password]", password)
        page.click("#sign-in button[type=submit]")

    def offsite(self) -> list[str]:
        return [url for url in self.requests if not url.startswith((self.base_url + "/", "data:"))]


@contextlib.contextmanager
def screen_on(browser, base_url: str, request, **context_options):
    """A tab in a fresh browser context (no cookies, empty cache); on leaving, a failed test's
    screenshot, then the checks: no script error, nothing fetched from elsewhere."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context_options})
    screen = Screen(context.new_page(), base_url)
    try:
        yield screen
    finally:
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            screen.shot(request.node.name)
        context.close()
    assert not screen.errors, f"the page logged errors: {screen.errors}"
    assert not screen.offsite(), f"the page fetched from elsewhere: {screen.offsite()}"
