"""The fast CSV writer of the scoring export writes the bytes pandas' own
``to_csv(float_format="%.10g")`` writes, and neutralises formulas as before."""

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.scoring.export import FLOAT_FORMAT, _csv
from changjing.evaluate.tables import neutralise, neutralise_frame


def _frame():
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1e3, 40)
    x[[3, 17]] = np.nan
    return pd.DataFrame(
        {
            "id": [f"S{i}" if i % 7 else f"=HYPERLINK(\"x{i}\")" for i in range(40)],
            "score": x,
            "tiny": rng.random(40) * 1e-12,
            "rank": np.arange(40),
            "ok": np.arange(40) % 2 == 0,
            "mixed": [1, "-2", None, "@a", 2.5, "\tq", "+x", "b"] * 5,
            "名称": ["城市 更新,\"引号\"", "两行\n文字", "", " 空格 ", "a\rb"] * 8,
        }
    )


@pytest.mark.parametrize("variant", ["plain", "nullable int (pandas path)", "one column"])
def test_csv_bytes_equal_pandas_float_format(tmp_path, variant):
    frame = _frame()
    if variant == "nullable int (pandas path)":
        frame["n"] = pd.array([1, None] * 20, dtype="Int64")
    elif variant == "one column":
        frame = frame[["名称"]]
    _csv(frame, tmp_path / "fast.csv")
    # the reference: the cell-by-cell rule, then pandas' own float formatting
    ref = frame.copy()
    for c in ref.columns:
        if ref[c].dtype == object or pd.api.types.is_string_dtype(ref[c]):
            ref[c] = ref[c].map(neutralise)
    ref.columns = [neutralise(str(c)) for c in ref.columns]
    ref.to_csv(
        tmp_path / "ref.csv",
        index=False,
        encoding="utf-8-sig",
        float_format=FLOAT_FORMAT,
        lineterminator="\n",
    )
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()


def test_neutralise_frame_only_rewrites_formula_strings():
    frame = _frame()
    frame.columns = ["=id", *frame.columns[1:]]
    out = neutralise_frame(frame)
    assert out.columns[0] == "'=id"
    assert out["'=id"].iloc[0] == "'=HYPERLINK(\"x0\")" and out["'=id"].iloc[1] == "S1"
    assert out["mixed"].tolist()[:8] == [1, "'-2", None, "'@a", 2.5, "'\tq", "'+x", "b"]
    # numbers are left alone (a negative score is not a formula), the input is not changed
    assert np.array_equal(out["score"].to_numpy(), frame["score"].to_numpy(), equal_nan=True)
    assert frame["mixed"].iloc[1] == "-2"


def test_neutralise_frame_duplicate_column_names():
    frame = pd.DataFrame([["=1", "=2"], ["a", "b"]], columns=["c", "c"])
    out = neutralise_frame(frame)
    assert out.iloc[:, 0].tolist() == ["'=1", "a"] and out.iloc[:, 1].tolist() == ["'=2", "b"]
