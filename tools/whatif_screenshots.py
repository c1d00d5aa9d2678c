"""Regenerate the screenshots of the what-if page in docs/img/ (whatif_*.png).

    python tools/whatif_screenshots.py [--chromium /usr/bin/chromium] [--workers 2]

Runs the shipped funding sweep (experiments/funding_sweep.toml: six budget arms, today's
split) on a smaller city — the baseline config with 3,000 firms instead of 20,000 and 8
replications, so that the script takes a minute or two — then:

* ``whatif_page.png`` — the live page (zh) with the budget moved to 2x today's, against the
  baseline arm;
* ``whatif_validator.png`` — the page (en) refusing a negative budget with the validator's
  message;
* ``whatif_interactive.png`` — the self-contained interactive report of the sweep (zh),
  opened from a file:// URL with the slider on the 2.5x arm.

Needs Playwright (``pip install -e ".[test-browser]"``) and a Chromium executable (the system
package ``chromium``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def small_experiment(folder: Path) -> Path:
    base = (ROOT / "experiments" / "baseline.toml").read_text(encoding="utf-8")
    base, n = re.subn(r"(?m)^n = 20000\b", "n = 3000", base)
    if n != 1:
        sys.exit("experiments/baseline.toml: expected one line 'n = 20000' under [firms]")
    (folder / "baseline.toml").write_text(base, encoding="utf-8")
    exp = (ROOT / "experiments" / "funding_sweep.toml").read_text(encoding="utf-8")
    exp = re.sub(r"(?m)^replications = \d+", "replications = 8", exp)
    (folder / "funding_sweep.toml").write_text(exp, encoding="utf-8")
    return folder / "funding_sweep.toml"


def wait_complete(pg, before: str | None = None) -> None:
    pg.wait_for_function(
        "(b) => { const a = document.getElementById('app');"
        " return a && a.dataset.state === 'complete' && a.dataset.job !== b; }", arg=before)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from changjing.app import font_css, page_setup
    from changjing.app.server import WhatIfServer, serve
    from changjing.app.session import Session
    from changjing.report.interactive import write_interactive
    from changjing.simulate.experiment import load_experiment
    from changjing.simulate.sweep import sweep

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        folder = Path(tmp)
        exp_path = small_experiment(folder)
        print("sweep of the small funding experiment…", flush=True)
        sweep(exp_path, folder / "sweep", workers=args.workers)
        html = write_interactive(folder / "sweep", folder / "funding.html", lang="zh")
        browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
        view = {"width": 1360, "height": 1180}

        for lang in ("zh", "en"):
            session = Session(load_experiment(exp_path), workers=args.workers,
                              out=folder / "out", lang=lang)
            setup = page_setup(session, lang)
            import json

            srv = WhatIfServer(("127.0.0.1", 0), session, setup,
                               font_css(json.dumps(setup, ensure_ascii=False)))
            serve(srv)
            pg = browser.new_page(viewport=view)
            pg.set_default_timeout(300_000)
            pg.goto(srv.url)
            wait_complete(pg)
            box = pg.locator('input[data-key="funding.annual_budget_yuan"][data-role="number"]')
            if lang == "zh":
                job = pg.get_attribute("#app", "data-job")
                box.fill("122600000")                     # 2x today's appropriation
                box.press("Enter")
                wait_complete(pg, job)
                pg.screenshot(path=str(OUT / "whatif_page.png"))
            else:
                box.fill("-5")
                box.press("Enter")
                pg.wait_for_selector("#error .error")
                pg.screenshot(path=str(OUT / "whatif_validator.png"),
                              clip={"x": 0, "y": 0, "width": 1360, "height": 760})
            pg.close()
            srv.shutdown()
            srv.server_close()
            session.close()

        pg = browser.new_page(viewport=view)
        pg.goto(html.resolve().as_uri())
        pg.wait_for_selector("#targets")
        pg.focus("#armslider")
        pg.keyboard.press("End")
        pg.keyboard.press("ArrowLeft")                    # the 2.5x arm
        pg.screenshot(path=str(OUT / "whatif_interactive.png"))
        browser.close()
    for name in ("whatif_page.png", "whatif_validator.png", "whatif_interactive.png"):
        print(f"wrote docs/img/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
