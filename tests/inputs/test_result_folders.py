"""Reading result folders back (analyze, reproduce, posterior uncertainties): a damaged or
re-encoded manifest or store is a clear error naming the file, never a traceback."""

from __future__ import annotations

import json

import pytest
from changjing.cli import main


def _sweep_folder(tmp_path, manifest: bytes, store: bytes = b"") -> str:
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "manifest.json").write_bytes(manifest)
    (folder / "results.sqlite").write_bytes(store)
    return str(folder)


@pytest.mark.parametrize("command", ["analyze", "reproduce"])
@pytest.mark.parametrize("manifest, words", [
    (json.dumps({"name": "x"}).encode("utf-16"), ["manifest.json", "UTF-16", "save it as UTF-8"]),
    (b'{"name": "x",', ["manifest.json", "not valid JSON at line 1"]),
    (b"[1, 2]", ["manifest.json", "expected a JSON object"]),
    (b'{"kind": "changjing.run"}', ["manifest.json", "not a sweep manifest"]),
    (b"\x00\x01binary", ["manifest.json", "binary"]),
])
def test_damaged_manifests_are_clear_errors(tmp_path, capsys, command, manifest, words):
    code = main([command, _sweep_folder(tmp_path, manifest)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    for w in words:
        assert w in err


def test_a_store_that_is_not_a_database_is_named(tmp_path, capsys):
    from changjing.simulate.errors import SimulateError
    from changjing.simulate.store import ResultStore

    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "results.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SimulateError, match=r"results.sqlite: not a result store"):
        ResultStore(folder)


def test_posterior_uncertainties_with_a_damaged_manifest(tmp_path, capsys):
    cal = tmp_path / "cal"
    cal.mkdir()
    (cal / "manifest.json").write_bytes("{}".encode("utf-16"))
    (cal / "posterior.csv").write_text("a,weight\n1,1\n")
    (tmp_path / "base.toml").write_text("[meta]\nname = 'b'\n")
    exp = tmp_path / "exp.toml"
    exp.write_text('uncertainties = "posterior:cal"\n[experiment]\nname = "p"\n'
                   'base = "base.toml"\n')
    code = main(["validate", str(exp)])
    err = capsys.readouterr().err
    assert code == 2 and "UTF-16" in err and "manifest.json" in err
