"""Shared fixtures: public datasets saved under data/ (sources in data/README.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(DATA / "mpdta.csv")


@pytest.fixture(scope="session")
def prop99_long() -> pd.DataFrame:
    wide = pd.read_csv(DATA / "california_prop99.csv")
    long = wide.melt(id_vars="Year", var_name="state", value_name="cigsale")
    long["treated_from"] = (long["state"] == "California") * 1989
    return long.rename(columns={"Year": "year"})


@pytest.fixture(scope="session")
def nsw() -> pd.DataFrame:
    return pd.read_csv(DATA / "nsw_mixtape.csv")


@pytest.fixture(scope="session")
def lalonde() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "lalonde.csv")
    frame["black"] = (frame["race"] == "black").astype(float)
    frame["hispan"] = (frame["race"] == "hispan").astype(float)
    return frame
