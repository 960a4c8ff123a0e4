"""Open pages in a real headless Chromium with every network request blocked.

What ``graphring report`` prints with, and what the browser tests, the packet benchmark and
``tools/screenshot.py`` open packets with.
The browser is Debian's ``chromium`` (``scripts/install-browser``) driven by Playwright's
Python API; Playwright's own browser downloads are never used. ``GRAPHRING_CHROMIUM``
points at another Chromium binary.

Every request whose URL is not ``file:``, ``data:`` or ``blob:`` is aborted and recorded,
console errors, page errors, dialogs (``alert``) and Content-Security-Policy violations are
recorded too, so a caller can assert that a page needed nothing from the network and ran
nothing it should not have.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Flags for a quiet, offline headless Chromium.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
#: Runs in every page before its own scripts: records alert/confirm/prompt calls and CSP
#: violations where the test can read them.
_INIT_SCRIPT = """
window.__graphring_alerts = [];
window.__graphring_csp = [];
['alert', 'confirm', 'prompt'].forEach(function (name) {
  window[name] = function (message) { window.__graphring_alerts.push(name + ':' + message); };
});
document.addEventListener('securitypolicyviolation', function (e) {
  window.__graphring_csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


class BrowserMissing(RuntimeError):
    """No Chromium (or no Playwright) to run: install them with scripts/install-browser."""


def chromium_path() -> str:
    """The Chromium binary to drive: $GRAPHRING_CHROMIUM if set (and then only it),
    else /usr/bin/chromium or ``chromium`` on PATH."""
    given = os.environ.get("GRAPHRING_CHROMIUM")
    candidates = [given] if given else ["/usr/bin/chromium", shutil.which("chromium")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise BrowserMissing(
        "no Chromium found (looked at $GRAPHRING_CHROMIUM, /usr/bin/chromium, PATH): "
        "run scripts/install-browser"
    )


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium (a Playwright ``Browser``), closed afterwards."""
    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:  # pragma: no cover - the dev extra installs it
        raise BrowserMissing("the playwright package is missing: pip install -e .[dev]") from e
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    """What a page asked for and said while it was open."""

    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Everything that should not have happened, as readable lines."""
        return (
            [f"network request: {u}" for u in self.blocked]
            + [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"dialog: {m}" for m in self.dialogs]
        )


def offline_page(browser: Any, width: int = 1400, height: int = 900) -> tuple[Any, PageLog]:
    """A new page that may load only local files, with everything it does recorded."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, service_workers="block"
    )
    log = PageLog()

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            log.blocked.append(url)
            r.abort()

    context.route("**/*", route)
    context.add_init_script(_INIT_SCRIPT)
    page = context.new_page()
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))

    def dialog(d: Any) -> None:
        log.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    return page, log


def page_alerts(page: Any) -> list[str]:
    """alert/confirm/prompt calls and CSP violations the init script caught."""
    return list(page.evaluate("window.__graphring_alerts.concat(window.__graphring_csp)"))


def open_packet(page: Any, packet_html: Path, timeout_s: float = 20.0) -> float:
    """Load a packet page and wait until its graph has settled; the seconds it took."""
    start = time.perf_counter()
    page.goto(Path(packet_html).resolve().as_uri())
    page.wait_for_selector("#graph[data-ready='1']", state="attached", timeout=timeout_s * 1000)
    return time.perf_counter() - start
