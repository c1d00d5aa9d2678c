"""The what-if page in a real browser (headless system Chromium, Playwright).

Each expected value is derived independently of the page: the validator's own message for a
bad value, and `changjing sweep` of the same experiment (or of the file the page saved) for
the numbers — the page and the sweep share seeds (common random numbers), so they must agree
exactly, not just in direction."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

# slow: a real browser against replications of the model; `python -m pytest` still runs them
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"), pytest.mark.slow]


def wait_complete(pg, job_before: str | None = None) -> None:
    """Wait until the page shows a finished comparison (of a new job, if one was running)."""
    pg.wait_for_function(
        "(before) => { const a = document.getElementById('app');"
        " return a && a.dataset.state === 'complete' && a.dataset.job !== before; }",
        arg=job_before)


def p_cur(pg, target: str) -> float:
    return float(pg.get_attribute(f'#targets tr[data-target="{target}"] td.p-cur', "data-p"))


def sweep_table(folder, name: str):
    from changjing.simulate.analysis import analyze

    return analyze(folder).tables[name]


def test_page_loads_without_errors_and_only_talks_to_localhost(server, page):
    pg = page.page
    pg.goto(server.url)
    wait_complete(pg)
    assert page.errors == []
    hosts = {urlsplit(u).hostname for u in page.urls if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}, page.urls
    # counter shows n of N with N the experiment's replications
    pr = pg.locator("#progress")
    assert pr.get_attribute("data-done") == pr.get_attribute("data-total") == "4"
    # an arm name with markup from the experiment file is shown as text, not as HTML
    legend = pg.locator(".legend .lb").inner_text()
    assert "<i>budget</i>=1x" in legend
    assert pg.locator("#results i").count() == 0
    # controls come from the parameter metadata: unit and provenance on hover
    from changjing.simulate.config import parameter_table

    row = next(r for r in parameter_table() if r["key"] == "funding.annual_budget_yuan")
    tip = pg.get_attribute('.control[data-key="funding.annual_budget_yuan"] label', "title")
    assert row["unit"] in tip and row["source"] in tip


def test_budget_slider_moves_p_target_as_the_sweep_does(server, page, swept):
    pg = page.page
    pg.goto(server.url)
    wait_complete(pg)
    slider = pg.locator('input[data-key="funding.annual_budget_yuan"][data-role="slider"]')
    job = pg.get_attribute("#app", "data-job")
    slider.focus()
    pg.keyboard.press("End")                 # the largest swept budget, 9e7
    wait_complete(pg, job)
    high = p_cur(pg, "firms_attracted")
    job = pg.get_attribute("#app", "data-job")
    pg.keyboard.press("Home")                # the smallest, 2e7
    wait_complete(pg, job)
    low = p_cur(pg, "firms_attracted")
    t = sweep_table(swept, "targets")
    t = t[t["target"] == "firms_attracted"].set_index("arm")["probability"]
    s_low, s_high = t["<i>budget</i>=0.5x"], t["<i>budget</i>=2x"]
    assert s_high > s_low                    # the sweep shows a direction...
    assert high > low                        # ...and the page moves the same way
    assert (low, high) == (s_low, s_high)    # with the sweep's own numbers (same seeds)
    assert page.errors == []


def test_out_of_range_value_shows_the_validators_message(server, page):
    from changjing.simulate.config import Config
    from changjing.simulate.errors import ConfigError

    try:
        Config().with_overrides({"funding.annual_budget_yuan": -5})
    except ConfigError as exc:
        expected = [ln.strip() for ln in str(exc).splitlines()
                    if "funding.annual_budget_yuan" in ln][0]
    pg = page.page
    pg.goto(server.url)
    wait_complete(pg)
    box = pg.locator('input[data-key="funding.annual_budget_yuan"][data-role="number"]')
    box.fill("-5")
    box.press("Enter")
    box.blur()
    pg.wait_for_selector("#error .error")
    message = pg.locator("#error .error").inner_text()
    assert expected in message
    assert pg.get_attribute("#app", "data-state") == "invalid"
    # the split control keeps the shares summing to one while one share moves
    share = pg.locator('input[data-instrument="matchmaking"][data-role="number"]')
    share.fill("0.4")
    share.press("Enter")
    shares = pg.eval_on_selector_all(
        'input[data-key="funding.split"][data-role="number"]', "els => els.map(e => +e.value)")
    assert shares[2] == 0.4 and abs(sum(shares) - 1) < 1e-9
    assert page.errors == []


def test_saved_experiment_reproduces_the_page_under_changjing_sweep(server, page, files,
                                                                    tmp_path):
    from pathlib import Path

    from changjing.cli import main

    pg = page.page
    pg.goto(server.url)
    wait_complete(pg)
    box = pg.locator('input[data-key="funding.annual_budget_yuan"][data-role="number"]')
    job = pg.get_attribute("#app", "data-job")
    box.fill("71234567.5")                  # a value no arm of the experiment has
    box.press("Enter")
    wait_complete(pg, job)
    page_p = {t: p_cur(pg, t) for t in ("super_scenarios", "technologies_promoted",
                                        "firms_attracted", "firms_served", "all_targets")}
    page_diff = {r: float(pg.get_attribute(f'#paired tr[data-indicator="{r}"] td.diff',
                                           "data-mean"))
                 for r in ("firms_attracted", "firms_served", "budget_spent_yuan")}
    pg.click("#save")
    pg.wait_for_function("() => document.getElementById('app').dataset.saved")
    saved = Path(pg.get_attribute("#app", "data-saved"))
    assert saved.parent == files["out"] and saved.suffix == ".toml"
    out = tmp_path / "sweep"
    assert main(["sweep", str(saved), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    t = sweep_table(out, "targets")
    t = t[t["arm"] == "whatif"].set_index("target")["probability"]
    assert page_p == {k: t[k] for k in page_p}
    d = sweep_table(out, "paired")
    d = d[d["arm"] == "whatif"].set_index("indicator")["mean_difference"]
    assert page_diff == {k: d[k] for k in page_diff}
    assert page.errors == []


def test_interactive_report_works_from_a_file_url(swept, browser, tmp_path):
    from changjing.report.interactive import write_interactive

    from .conftest import Watched

    html = write_interactive(swept, tmp_path / "funding.html", lang="en")
    ctx = browser.new_context()
    page = Watched(ctx.new_page())
    pg = page.page
    pg.goto(html.resolve().as_uri())
    pg.wait_for_selector("#targets")
    t = sweep_table(swept, "targets")
    t = t[t["target"] == "firms_attracted"].set_index("arm")["probability"]
    pg.focus("#armslider")
    for key, arm in (("End", "<i>budget</i>=2x"), ("Home", "<i>budget</i>=0.5x")):
        pg.keyboard.press(key)
        assert pg.locator("#armname").inner_text() == arm
        assert p_cur(pg, "firms_attracted") == t[arm]
    assert page.errors == []
    assert all(u.startswith(("file:", "data:")) for u in page.urls), page.urls
    ctx.close()
