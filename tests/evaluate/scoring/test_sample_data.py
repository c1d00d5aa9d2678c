"""The shipped synthetic sample: reproducible from its seeded generator and valid."""

import importlib.util

from changjing.evaluate.scoring import load_indicator_system
from changjing.evaluate.scoring.data import validate_table

from .conftest import ROOT, SAMPLE, SYSTEM

GEN = ROOT / "scenarios_data" / "sample" / "make_completed_scenarios.py"


def _generator():
    spec = importlib.util.spec_from_file_location("make_completed_scenarios", GEN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_sample_regenerates_byte_identically(tmp_path):
    mod = _generator()
    out = tmp_path / "s.csv"
    mod.make().to_csv(out, index=False, encoding="utf-8", lineterminator="\n", float_format="%.10g")
    assert out.read_bytes() == SAMPLE.read_bytes()
    assert "changjing.simulate" not in "".join(
        line
        for line in GEN.read_text(encoding="utf-8").splitlines()
        if line.startswith(("import", "from"))
    )


def test_sample_is_marked_synthetic_and_valid(sample):
    assert sample["scenario_name"].str.contains("合成").all()
    vt = validate_table(sample, load_indicator_system(SYSTEM), "sample")
    assert len(vt.ids) == 150
    # it exercises the missing-value and zero handling on purpose
    assert sample["user_satisfaction"].isna().sum() > 0 and sample["patents_filed"].isna().sum() > 0
    assert (sample["procurement_after_trial_wan_yuan"] == 0).sum() > 0
