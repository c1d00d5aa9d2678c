"""The what-if server without a browser: validation, cancellation, the files it writes, the
experiment file it saves, request checks, and the interactive report's escaping."""

from __future__ import annotations

import json
import time
import tomllib
import urllib.error
import urllib.request

import pytest


def wait(session, job, timeout=60.0):
    t0 = time.monotonic()
    while not session.state(job)["complete"]:
        assert time.monotonic() - t0 < timeout
        time.sleep(0.05)
    return session.state(job)


@pytest.mark.parametrize("value", [0.1 + 0.2, 6.13e7, 1e-300, 123456789.123456789, -0.0,
                                   2**53 + 1, "a \"quoted\"\nline 场景 \\ \t", True,
                                   {"a": 0.3, "b": [1, 2.5]}, [0.45, 0.1]])
def test_toml_literals_read_back_to_the_same_value(value):
    from changjing.app.session import _toml

    assert tomllib.loads(f"x = {_toml(value)}")["x"] == value


def test_refused_value_carries_the_validators_message(server):
    from changjing.simulate.errors import ConfigError

    session = server.session
    with pytest.raises(ConfigError) as page:
        session.start({"funding.split": {"lab_grants": 0.5, "pilot_subsidies": 0.45,
                                         "matchmaking": 0.1, "attraction": 0.15}}, 2)
    with pytest.raises(ConfigError) as direct:
        session.exp.base.with_overrides({"funding.split": {
            "lab_grants": 0.5, "pilot_subsidies": 0.45, "matchmaking": 0.1,
            "attraction": 0.15}})
    assert "must sum to 1, got 1.2" in str(page.value)
    assert str(direct.value).split(":", 1)[1] == str(page.value).split(":", 1)[1]
    with pytest.raises(ConfigError, match="not one of this experiment's controls"):
        session.start({"owners.file": "/etc/passwd"}, 2)
    with pytest.raises(ConfigError, match="replications"):
        session.start({}, 0)


def test_a_new_setting_cancels_the_running_replications(server):
    session = server.session
    first = session.start({"funding.annual_budget_yuan": 3.1e7}, 4)
    second = session.start({"funding.annual_budget_yuan": 3.2e7}, 2)
    assert first.cancelled
    st = wait(session, second)
    assert st["done"] == st["total"] == 2
    t0 = time.monotonic()
    while not first.finished:
        assert time.monotonic() - t0 < 30
        time.sleep(0.05)
    # at most the run in progress when it was cancelled finished: never all four pairs
    assert session.state(first)["done"] < 4
    assert not session.state(first)["complete"]
    # an earlier setting comes back from the cache at once (same config hash and seeds)
    again = session.start({"funding.annual_budget_yuan": 3.2e7}, 2)
    assert wait(session, again, timeout=5)["summary"] == session.state(second)["summary"]


def test_saved_experiment_runs_the_page_configs(server, files):
    from changjing.simulate.experiment import load_experiment

    session = server.session
    job = session.start({"funding.annual_budget_yuan": 5.55e7,
                         "funding.split": {"lab_grants": 0.2, "pilot_subsidies": 0.5,
                                           "matchmaking": 0.15, "attraction": 0.15}}, 2)
    path = session.save(job)
    assert path.parent == files["out"] and path.name.startswith("whatif-")
    exp = load_experiment(path)
    assert list(exp.arms["arm"]) == [session.baseline_name, "whatif"]
    assert exp.config_for(1, 0).config_hash() == job.config.config_hash()
    assert exp.config_for(0, 0).config_hash() == session.baseline_config.config_hash()
    plan = exp.run_plan()
    from changjing.simulate.experiment import run_seed

    assert list(plan["seed"][:2]) == [run_seed(session.root_seed, 0, r) for r in range(2)]
    assert exp.spec.experiment.root_seed == session.root_seed


def test_without_out_the_session_writes_nothing(files):
    from changjing.app.session import Session
    from changjing.simulate.errors import SimulateError
    from changjing.simulate.experiment import load_experiment

    session = Session(load_experiment(files["experiment"]), workers=1, out=None)
    try:
        job = session.start({}, 1)
        with pytest.raises(SimulateError, match="without --out"):
            session.save(job)
    finally:
        session.close()


def _request(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def test_requests_are_checked(server):
    base = server.url
    status, setup = _request(base + "api/setup")
    assert status == 200 and setup["baseline_arm"] == server.session.baseline_name
    # DNS rebinding: a foreign Host is refused
    assert _request(base + "api/setup", headers={"Host": "evil.example:80"})[0] == 403
    # a cross-site form cannot post JSON without a preflight: other bodies are refused
    assert _request(base + "api/run", b"settings=1",
                    {"Content-Type": "application/x-www-form-urlencoded"})[0] == 415
    assert _request(base + "static/../../session.py")[0] == 404
    assert _request(base + "api/state?job=999999")[0] == 404
    status, body = _request(base + "api/run", json.dumps(
        {"settings": {"funding.annual_budget_yuan": "lots"}}).encode(),
        {"Content-Type": "application/json"})
    assert status == 200 and "funding.annual_budget_yuan" in body["refused"]


def test_controls_come_from_the_parameter_metadata(server):
    from changjing.simulate.config import parameter_table

    rows = {r["key"]: r for r in parameter_table()}
    controls = {c["key"]: c for c in server.session.controls}
    budget = controls["funding.annual_budget_yuan"]
    assert (budget["unit"], budget["source"], budget["range"]) == tuple(
        rows["funding.annual_budget_yuan"][k] for k in ("unit", "source", "range"))
    assert (budget["min"], budget["max"]) == (2e7, 9e7)          # the lever's values
    assert [p["value"] for p in budget["presets"]] == [2e7, 4.5e7, 9e7]
    split = controls["funding.split"]
    assert split["kind"] == "split" and abs(sum(split["baseline"].values()) - 1) < 1e-12


def test_interactive_report_embeds_data_that_cannot_close_its_script(swept, tmp_path):
    from changjing.report.interactive import interactive_html

    text = interactive_html(swept, "en")
    assert "<i>budget</i>" not in text                # only as \u003ci\u003e inside JSON
    assert text.count("</script>") == 2
    # nothing to fetch: the only URL is the SVG namespace (a name, never requested)
    assert "https://" not in text
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    start = text.index('id="cj-data">') + len('id="cj-data">')
    data = json.loads(text[start:text.index("</script>", start)])
    assert [a["name"] for a in data["arms"]] == ["<i>budget</i>=0.5x", "<i>budget</i>=1x",
                                                 "<i>budget</i>=2x"]


def test_results_arrive_progressively(server):
    session = server.session
    job = session.start({"funding.annual_budget_yuan": 3.3e7}, 5)
    t0 = time.monotonic()
    while True:
        st = session.state(job)
        if st["shown"]:
            break
        assert time.monotonic() - t0 < 60
        time.sleep(0.02)
    # the first comparison comes before the last pair, over the pairs finished so far
    assert 1 <= st["shown"] < 5 and st["summary"]["n"] == st["shown"]
    runs = {r["target"]: r["cur"]["runs"] for r in st["summary"]["targets"]}
    assert set(runs.values()) == {st["shown"]}
    assert wait(session, job)["summary"]["n"] == 5


def test_build_report_records_the_page_runs_as_a_sweep(server):
    from changjing.simulate.analysis import analyze
    from changjing.simulate.store import ResultStore

    session = server.session
    job = session.start({"funding.annual_budget_yuan": 6.6e7}, 2)
    st = wait(session, job)
    html = session.report(job)
    assert html.is_file() and html.parent == session.out
    folder = html.with_name(html.name.replace("_report.html", "_sweep"))
    store = ResultStore(folder)
    try:
        assert store.missing_run_ids(include_failed=True) == []
    finally:
        store.close()
    t = analyze(folder).tables["targets"]
    t = t[t["arm"] == "whatif"].set_index("target")["probability"]
    assert {r["target"]: r["cur"]["p"] for r in st["summary"]["targets"]} == t.to_dict()


def test_every_shipped_experiment_gets_controls_its_presets_validate(experiments_dir):
    from changjing.app.controls import build_controls
    from changjing.simulate.experiment import load_experiment

    for path in sorted(experiments_dir.glob("*.toml")):
        if "[experiment]" not in path.read_text(encoding="utf-8"):
            continue                      # model configs and calibration files
        exp = load_experiment(path)
        arms = exp.arms
        settings = dict(arms.loc[arms["arm"] == exp.baseline_arm, "settings"].iloc[0])
        baseline = exp.base.with_overrides(settings)
        controls = build_controls(exp, baseline)
        assert {"funding.annual_budget_yuan", "funding.split"} <= {c["key"] for c in controls}
        for c in controls:
            for p in c["presets"]:        # every preset is a value the validator accepts
                baseline.with_overrides({c["key"]: p["value"]})
            if c["kind"] in ("int", "float"):
                assert c["min"] <= c["baseline"] <= c["max"], (path.name, c["key"])
