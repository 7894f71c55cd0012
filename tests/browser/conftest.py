"""Browser tests: the real app served on 127.0.0.1 and driven by Debian's Chromium through
Playwright's sync API. Playwright's own browser download does not work on these machines,
so the system Chromium is launched by path; without it the whole folder is skipped (fails
in CI: tests/tools.py)."""
import os
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.tools import missing

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--no-first-run",
    "--disable-extensions", "--disable-sync",
]
SKIP_REASON = (f"{CHROMIUM} is missing: install Debian's chromium (`make system-packages`) "
               "to run the browser tests")


class QuietHandler(WSGIRequestHandler):
    """No access log: a journey makes a few hundred requests."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """The session's ``app`` (same object, same database) on 127.0.0.1, any free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        missing(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def desk(browser, live_server, world):
    """Opens one signed-in browser window per user: ``desk.page("staff_a")``."""
    from tests.browser.support import Desk

    d = Desk(browser, live_server)
    yield d
    d.close()
