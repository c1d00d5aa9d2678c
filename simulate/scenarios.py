"""Scenarios as entities moving through the five lifecycle stages, held column-wise.

A scenario is a row of the :class:`ScenarioBook` (struct of arrays that grows as owners submit
needs).  :meth:`ScenarioBook.move` is the only way a scenario changes stage, so the funnel
counters (entered, advanced, failed, time spent) cannot drift from the stage column: every
scenario is in exactly one stage, or completed, or failed.
"""

from __future__ import annotations

import numpy as np
from .programme import STAGES

SOLICITATION, SELECTION, RELEASE, IMPLEMENTATION, EVALUATION = range(5)
COMPLETED, FAILED = 5, 6
N_STAGES = len(STAGES)

FAIL_REASONS = ("not_selected", "withdrawn", "not_released", "unmatched", "owner_budget",
                "supplier_finance", "pilot_failed")

_COLUMNS: dict[str, tuple[type, object]] = {
    "owner": (np.int32, -1),
    "domain": (np.int8, 0),
    "zone": (np.int16, -1),
    "stage": (np.int8, SOLICITATION),
    "stage_since": (np.int32, 0),    # month the current stage was entered
    "created": (np.int32, 0),
    "quality": (np.float64, 0.0),
    "value": (np.float64, 0.0),      # market opportunity, yuan
    "pilot_cost": (np.float64, 0.0),  # yuan
    "req_trl": (np.int8, 1),
    "slots": (np.int16, 1),
    "filled": (np.int16, 0),
    "released": (np.int32, -(10**6)),  # month the scenario was published
    "ready": (np.int32, 0),          # month refinement ends (selection stage)
    "deadline": (np.int32, 0),       # end of matching window / pilot / evaluation
    "lab": (np.int32, -1),
    "subsidy": (np.float64, 0.0),    # committed pilot subsidy, yuan
    "owner_paid": (np.float64, 0.0),
    "flagship": (bool, False),
    "success": (bool, False),
    "procured": (bool, False),
    "committed": (bool, False),      # owner committed to buy on success (先试后转 lever)
    "key": (np.uint64, 0),           # entity key of the scenario's keyed random draws
}


class ScenarioBook:
    def __init__(self, capacity: int = 256) -> None:
        self.size = 0
        self._cols = {name: np.full(capacity, fill, dtype=dtype)
                      for name, (dtype, fill) in _COLUMNS.items()}
        self.supplier_scn: list[int] = []   # supplier links (scenario, firm), in match order
        self.supplier_firm: list[int] = []
        self.reset_step_counters()
        self.failed_by_reason = dict.fromkeys(FAIL_REASONS, 0)

    def __getattr__(self, name: str) -> np.ndarray:
        # (the columns are properties, set below; this serves a column added to _COLUMNS
        # after the class was built)
        cols = self.__dict__.get("_cols")
        if cols is not None and name in cols:
            return cols[name][: self.size]
        raise AttributeError(name)

    # -- growth -------------------------------------------------------------------------
    def add(self, month: int, stage: int = SOLICITATION, **values: np.ndarray) -> np.ndarray:
        """Append ``k`` scenarios entering ``stage`` at ``month``; returns their indices."""
        k = len(next(iter(values.values())))
        need = self.size + k
        cap = next(iter(self._cols.values())).shape[0]
        if need > cap:
            new_cap = max(need, 2 * cap)
            for name, (dtype, fill) in _COLUMNS.items():
                grown = np.full(new_cap, fill, dtype=dtype)
                grown[: self.size] = self._cols[name][: self.size]
                self._cols[name] = grown
        idx = np.arange(self.size, need)
        self.size = need
        for name, vals in values.items():
            self._cols[name][idx] = vals
        self._cols["stage"][idx] = stage
        self._cols["stage_since"][idx] = month
        self._cols["created"][idx] = month
        self.entered[stage] += k
        return idx

    def set(self, name: str, idx: np.ndarray, values: object) -> None:
        self._cols[name][idx] = values

    # -- stage changes ---------------------------------------------------------------------
    def move(self, idx: np.ndarray, to: int, month: int, reason: str | None = None) -> None:
        """Move scenarios ``idx`` to stage ``to`` (a stage, COMPLETED or FAILED)."""
        idx = np.asarray(idx, dtype=np.int64)
        if idx.size == 0:
            return
        if idx.size == 1:          # the common case (one pilot at a time): plain integers
            self.move_one(int(idx[0]), to, month, reason)
            return
        stage = self._cols["stage"][idx]
        if np.any(stage >= COMPLETED):
            raise RuntimeError("a finished scenario cannot move")
        spent = month - self._cols["stage_since"][idx]
        counts = np.bincount(stage, minlength=N_STAGES)
        times = np.bincount(stage, weights=spent, minlength=N_STAGES)
        if to == FAILED:
            if reason not in self.failed_by_reason:
                raise ValueError(f"unknown failure reason {reason!r}")
            self.failed += counts
            self.failed_by_reason[reason] += idx.size
        else:
            self.advanced += counts
        self.left_time += times
        if to < COMPLETED:
            self.entered[to] += idx.size
        self._cols["stage"][idx] = to
        self._cols["stage_since"][idx] = month

    def move_one(self, i: int, to: int, month: int, reason: str | None = None) -> None:
        """:meth:`move` of one scenario ``i`` (the same counts, without array passes)."""
        stage = int(self._cols["stage"][i])
        if stage >= COMPLETED:
            raise RuntimeError("a finished scenario cannot move")
        if to == FAILED:
            if reason not in self.failed_by_reason:
                raise ValueError(f"unknown failure reason {reason!r}")
            self.failed[stage] += 1
            self.failed_by_reason[reason] += 1
        else:
            self.advanced[stage] += 1
        self.left_time[stage] += float(month - int(self._cols["stage_since"][i]))
        if to < COMPLETED:
            self.entered[to] += 1
        self._cols["stage"][i] = to
        self._cols["stage_since"][i] = month

    def in_stage(self, stage: int) -> np.ndarray:
        return np.flatnonzero(self.stage == stage)

    def stage_counts(self) -> np.ndarray:
        """Scenarios in each of the five stages, then completed, then failed."""
        return np.bincount(self.stage, minlength=N_STAGES + 2)

    def reset_step_counters(self) -> None:
        self.entered = np.zeros(N_STAGES, dtype=np.int64)
        self.advanced = np.zeros(N_STAGES, dtype=np.int64)
        self.failed = np.zeros(N_STAGES, dtype=np.int64)
        self.left_time = np.zeros(N_STAGES, dtype=np.float64)

    def suppliers_of(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(scenario, firm) supplier links of the given scenarios."""
        scn = np.array(self.supplier_scn, dtype=np.int64)
        firm = np.array(self.supplier_firm, dtype=np.int64)
        wanted = np.zeros(self.size, dtype=bool)
        wanted[idx] = True
        keep = wanted[scn]
        return scn[keep], firm[keep]

    def drop_suppliers(self, scn_idx: np.ndarray, firms: np.ndarray) -> None:
        """Remove supplier links (scenario, firm) pairs."""
        pairs = set(zip(np.asarray(scn_idx).tolist(), np.asarray(firms).tolist(), strict=True))
        if not pairs:
            return
        # the links of the scenarios concerned, found at once; then the pairs among them
        scn = np.array(self.supplier_scn, dtype=np.int64)
        near = np.flatnonzero(np.isin(scn, np.array(sorted({s for s, _ in pairs}))))
        drop = [i for i in near.tolist()
                if (self.supplier_scn[i], self.supplier_firm[i]) in pairs]
        for i in reversed(drop):
            del self.supplier_scn[i]
            del self.supplier_firm[i]


def _column(name: str) -> property:
    def get(self: ScenarioBook) -> np.ndarray:
        return self._cols[name][: self.size]
    return property(get, doc=f"The {name!r} column of the scenarios in the book.")


for _name in _COLUMNS:                 # book.stage etc. without a __getattr__ fallback
    setattr(ScenarioBook, _name, _column(_name))
