"""``changjing whatif`` as a user starts it, and ``changjing report --interactive``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request

import pytest


def _start(args, timeout=120):
    proc = subprocess.Popen([sys.executable, "-m", "changjing.cli", "whatif", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    line = ""
    while "changjing whatif: http" not in line:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            pytest.fail(f"whatif exited early: {proc.stderr.read()}")
        assert time.monotonic() - t0 < timeout
    return proc, line.split("changjing whatif: ", 1)[1].split()[0]


def test_whatif_serves_on_loopback_and_stops_on_ctrl_c(files):
    proc, url = _start([str(files["experiment"]), "--no-browser", "--port", "0",
                        "--workers", "1", "--quiet", "--lang", "en"])
    try:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "api/setup", timeout=10) as r:
            setup = json.loads(r.read())
        assert setup["lang"] == "en" and setup["can_write"] is False
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="127.0.0.2 is a loopback address on Linux only by default")
def test_another_host_is_named_and_warned_about(files):
    proc, url = _start([str(files["experiment"]), "--no-browser", "--port", "0",
                        "--workers", "1", "--quiet", "--host", "127.0.0.2"])
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert url.startswith("http://127.0.0.2:")
    assert "warning: listening on 127.0.0.2" in err


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "--workers must be at least 1"),
    (["--port", "70000"], "--port must be 0 to 65535"),
])
def test_bad_options_are_errors_not_tracebacks(files, args, message):
    r = subprocess.run([sys.executable, "-m", "changjing.cli", "whatif",
                        str(files["experiment"]), "--no-browser", *args],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and message in r.stderr and "Traceback" not in r.stderr


def test_report_interactive_takes_one_sweep(swept, tmp_path):
    from changjing.cli import main

    out = tmp_path / "i.html"
    assert main(["report", str(swept), "--interactive", "--out", str(out), "--quiet"]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert main(["report", str(swept), str(swept), "--interactive", "--out",
                 str(tmp_path / "j.html")]) != 0
    assert main(["report", str(swept), "--interactive", "--out", str(out)]) != 0  # exists
