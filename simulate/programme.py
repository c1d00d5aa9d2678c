"""The programme as data: stages, domains, candidate zones, targets, owners (scenarios_data/)."""

from __future__ import annotations

import copy
import csv
import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .config import DOMAINS, OWNER_KINDS
from .errors import ConfigError

STAGES = ("solicitation", "selection", "release", "implementation", "evaluation")


@dataclass(frozen=True)
class Zone:
    code: str
    zh: str
    en: str
    domains: tuple[int, ...]  # domain indices the zone's scenarios favour
    named: bool               # named in the programme (vs an unnamed further candidate)


@dataclass(frozen=True)
class Owner:
    code: str
    zh: str
    en: str
    kind: str
    domains: tuple[int, ...]


def data_path(name: str) -> Path:
    """Path of a shipped file in scenarios_data/."""
    return Path(str(resources.files("changjing.scenarios_data").joinpath(name)))


def load_programme(copy_: bool = True) -> dict:
    """The shipped programme data, parsed once per process and file version (every model of
    a sweep reads the same file).  A fresh copy by default; ``copy_=False`` returns the shared
    parsed data, for callers that only read it (the model)."""
    path = data_path("programme.toml")
    data = _parsed_toml(str(path), path.stat().st_mtime_ns)
    return copy.deepcopy(data) if copy_ else data


@functools.lru_cache(maxsize=8)
def _parsed_toml(path: str, mtime_ns: int) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def candidate_zones(programme: dict, extra: int) -> list[Zone]:
    """The named zones of the programme, then ``extra`` unnamed candidate zones."""
    zones = [
        Zone(z["code"], z["zh"], z["en"], tuple(DOMAINS.index(d) for d in z["domains"]), True)
        for z in programme["zones"]
    ]
    for i in range(extra):
        zones.append(Zone(f"candidate_{i + 1}", f"其他候选区域{i + 1}",
                          f"Further candidate zone {i + 1}", tuple(range(len(DOMAINS))), False))
    return zones


def load_owners(file: str) -> list[Owner]:
    """Owners from a CSV (columns code, zh, en, kind, domains); bare names are shipped files."""
    path = Path(file)
    if not path.is_absolute() and not path.exists():
        path = data_path(file)
    if not path.is_file():
        raise ConfigError(f"owners.file: {file}: file not found (neither relative to the working "
                          "folder nor in the shipped scenarios_data/)")
    # read once per process and file version (every model of a sweep reads the same file)
    return list(_read_owners(str(path), path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=16)
def _read_owners(file: str, mtime_ns: int) -> tuple[Owner, ...]:
    path = Path(file)
    owners = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        need = {"code", "zh", "en", "kind", "domains"}
        missing = need - set(reader.fieldnames or [])
        if missing:
            raise ConfigError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for row_no, row in enumerate(reader, start=2):
            kind = row["kind"].strip()
            if kind not in OWNER_KINDS:
                raise ConfigError(f"{path}, row {row_no}, column kind: {kind!r} is not one of "
                                  f"{', '.join(OWNER_KINDS)}")
            domains = []
            for d in row["domains"].split(";"):
                d = d.strip()
                if d not in DOMAINS:
                    raise ConfigError(f"{path}, row {row_no}, column domains: unknown domain "
                                      f"{d!r}; expected some of {', '.join(DOMAINS)}")
                domains.append(DOMAINS.index(d))
            owners.append(Owner(row["code"].strip(), row["zh"], row["en"], kind, tuple(domains)))
    if not owners:
        raise ConfigError(f"{path}: no owners listed")
    return tuple(owners)
