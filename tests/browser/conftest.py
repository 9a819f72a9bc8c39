"""A live server on 127.0.0.1 and Debian's Chromium driven by Playwright.

Without Chromium these tests skip with a message saying how to enable them, except when
REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic"]


def _need_browser(reason):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(f"{reason}; to run browser tests: apt-get install -y chromium chromium-driver")


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        _need_browser(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need_browser("playwright is not installed")
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def artefacts(request):
    """Where a browser test saves its screenshots: $TEST_ARTIFACTS_DIR or test-artifacts/ at the
    project root (ignored by git; CI keeps it), one folder per test."""
    import pathlib
    root = pathlib.Path(os.environ.get("TEST_ARTIFACTS_DIR") or pathlib.Path(__file__).resolve().parents[2]
                        / "test-artifacts")
    folder = root / request.node.name.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
