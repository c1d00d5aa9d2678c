"""A small experiment (1,500 firms, 12 months, 4 replications, three budget arms), its sweep,
a what-if server on 127.0.0.1 and a headless system Chromium driven by Playwright.

The browser tests skip, naming what is missing, only where Playwright or a Chromium executable
is absent; `.ci/run` installs both (the system package `chromium` and the extra
`changjing[test-browser]`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

BASE = """
[meta]
name = "small"
[run]
months = 12
warmup_months = 3
[firms]
n = 1500
[targets]
super_scenarios = 1
technologies_promoted = 1
firms_attracted = 45
firms_served = 200
"""

# Arm names carry HTML to check that the page shows data-derived strings as text.
EXPERIMENT = """
[experiment]
name = "tiny_budget"
base = "base.toml"
replications = 4
root_seed = 7
baseline_arm = "<i>budget</i>=1x"

[levers.budget]
key = "funding.annual_budget_yuan"
label = "<i>budget</i>"
values = [2e7, 4.5e7, 9e7]
labels = ["0.5x", "1x", "2x"]
"""

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHANGJING_CHROMIUM"), shutil.which("chromium"),
                      shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("whatif")
    (tmp / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp / "exp.toml").write_text(EXPERIMENT, encoding="utf-8")
    return {"dir": tmp, "experiment": tmp / "exp.toml", "out": tmp / "out"}


@pytest.fixture(scope="session")
def swept(files) -> Path:
    """The experiment run by `changjing sweep` (the reference the page must agree with)."""
    from changjing.simulate.sweep import sweep

    folder = files["dir"] / "sweep"
    sweep(files["experiment"], folder, workers=1)
    return folder


@pytest.fixture(scope="session")
def server(files):
    from changjing.app import font_css, page_setup
    from changjing.app.server import WhatIfServer, serve
    from changjing.app.session import Session
    from changjing.simulate.experiment import load_experiment

    session = Session(load_experiment(files["experiment"]), workers=1, out=files["out"],
                      lang="en")
    setup = page_setup(session, "en")
    srv = WhatIfServer(("127.0.0.1", 0), session, setup, font_css("changjing"))
    serve(srv)
    yield srv
    srv.shutdown()
    srv.server_close()
    session.close()


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install 'changjing[test-browser]')")
    exe = chromium_path()
    if exe is None:
        pytest.skip("no Chromium executable (apt-get install chromium; or set "
                    "CHANGJING_CHROMIUM)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page with its console errors, page errors and requested URLs recorded."""

    def __init__(self, page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.urls: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.urls.append(r.url))


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1300, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield Watched(pg)
    ctx.close()
