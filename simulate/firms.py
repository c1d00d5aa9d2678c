"""The firm population as numpy state arrays (one entry a firm), and its supply-chain network.

Tens of thousands of firms are updated every step, so firm state is never one Python object
per firm: the model holds these arrays and every rule acts on them at once.  Arrays are
allocated with room for the firms that may arrive during a run (``capacity``); ``n`` is the
number present.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from .config import DOMAINS, FIRM_TYPES, FirmsSection

# SMEs, start-ups, lead firms and universities supply technology; SOEs are scenario owners and
# adopters in this model, never suppliers (a documented rule, docs/model.md).
SUPPLIER_TYPES = (0, 1, 2, 4)
NEVER = np.iinfo(np.int32).max  # "never funded"

# Services a firm can receive (bits of ``served_via``); a firm is served if any bit is set.
SERVICE_BITS = {"matchmaking_event": 1, "pilot_supplier": 2, "lab": 4, "attraction_incentive": 8}


@dataclass
class FirmPopulation:
    n: int                     # firms present
    type: np.ndarray           # int8, index into FIRM_TYPES
    domain: np.ndarray         # int8, index into DOMAINS
    industry: np.ndarray       # int16, industry index over all domains (see Markets)
    zone: np.ndarray           # int16, candidate zone index or -1 (elsewhere)
    size: np.ndarray           # float64, employees (heavy-tailed)
    trl: np.ndarray            # int8, technology readiness 1..9
    capability: np.ndarray     # float64 in [0, 1]
    finance: np.ndarray        # float64, yuan the firm can put into a pilot or an adoption
    potential: np.ndarray      # bool, in the Bass market potential of its domain
    busy: np.ndarray           # bool, supplying a scenario now
    adopted: np.ndarray        # bool
    adopted_tech: np.ndarray   # int32, technology adopted (-1 none or a pre-existing one)
    served: np.ndarray         # bool, received at least one programme service in the window
    served_via: np.ndarray     # uint8, SERVICE_BITS received in the window
    attracted: np.ndarray      # bool, arrived from outside during the run
    funded_month: np.ndarray   # int32, month of the first subsidised pilot (NEVER if none)

    @property
    def capacity(self) -> int:
        return self.type.shape[0]


@dataclass(frozen=True)
class Markets:
    """Industries of each domain ([QD2026] lists them per domain action), numbered globally.

    A firm belongs to one industry of its domain (uniformly drawn: an assumption); its
    industry is the market of the technologies it supplies and adopts.
    """

    first: np.ndarray     # first global industry index of each domain
    count: np.ndarray     # industries per domain

    @property
    def n(self) -> int:
        return int(self.count.sum())

    def domain_of(self, industry: np.ndarray) -> np.ndarray:
        return (np.searchsorted(self.first, industry, side="right") - 1).astype(np.int8)


def _draw_attributes(u: np.ndarray, cfg: FirmsSection, types: np.ndarray,
                     domains: np.ndarray, zones_for: list[np.ndarray],
                     markets: Markets) -> dict[str, np.ndarray]:
    """Size, TRL, capability, finance, industry and zone for firms of the given types.

    ``u`` holds five uniforms per firm (rows: size, TRL, capability, zone, industry); every
    attribute comes by inversion of its own uniform, so one block draw serves them all.

    A firm located in a candidate zone (share ``zone_share``) sits in one whose theme covers
    its domain, as industrial parks cluster by theme; where no zone covers the domain it is
    elsewhere (−1)."""
    k = types.shape[0]
    alpha = cfg.size_tail_alpha
    smin = np.array([cfg.size_min[t] for t in FIRM_TYPES])[types]
    # Pareto(alpha) with scale smin by inversion; capped to keep sums finite at alpha ~ 1.
    size = np.minimum(smin * (1.0 - u[0]) ** (-1.0 / alpha), cfg.size_cap)
    # TRL = 1 + Binomial(8, (mean - 1) / 8) by inversion of its distribution function
    trl = np.empty(k, dtype=np.int8)
    for t, name in enumerate(FIRM_TYPES):
        rows = np.flatnonzero(types == t)
        if rows.size:
            trl[rows] = 1 + _categorical(u[1, rows],
                                         _binomial_pmf(8, (cfg.trl_mean[name] - 1.0) / 8.0))
    # Capability grows weakly with size (log) around a symmetric Beta(a, a) spread.
    capability = np.clip(_symmetric_beta_quantile(cfg.capability_spread, u[2])
                         + cfg.capability_size_slope * np.log10(size), 0.0, 1.0)
    finance = cfg.finance_per_employee_yuan * size**cfg.finance_size_exponent
    # one uniform places the firm: below zone_share it is in a zone, and where it falls in
    # [0, zone_share) picks the zone (uniformly among those covering its domain)
    in_zone = u[3] < cfg.zone_share
    pick = u[3] / max(cfg.zone_share, 1e-300)
    zone = np.full(k, -1, dtype=np.int16)
    for d, choices in enumerate(zones_for):
        rows = np.flatnonzero(in_zone & (domains == d))
        if choices.size and rows.size:
            zone[rows] = choices[np.minimum((pick[rows] * choices.size).astype(np.int64),
                                            choices.size - 1)]
    industry = (markets.first[domains]
                + (u[4] * markets.count[domains]).astype(np.int64)).astype(np.int16)
    return {"size": size, "trl": trl, "capability": capability, "finance": finance,
            "zone": zone, "industry": industry}


def _symmetric_beta_quantile(a: float, u: np.ndarray) -> np.ndarray:
    """Quantile function of Beta(a, a) at ``u``.  Closed forms for a = 1 (uniform) and the
    default a = 2 (F(x) = 3x^2 - 2x^3, so x = 1/2 - sin(asin(1 - 2u) / 3)); otherwise the
    inverse regularised incomplete beta function."""
    if a == 1.0:
        return u.copy()
    if a == 2.0:
        return 0.5 - np.sin(np.arcsin(1.0 - 2.0 * u) / 3.0)
    from scipy.special import betaincinv

    return betaincinv(a, a, u)


def _binomial_pmf(n: int, p: float) -> np.ndarray:
    return np.array([math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(n + 1)])


def _categorical(u: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Category index with probabilities ``p`` by inversion of ``u``."""
    cdf = np.cumsum(p) / np.sum(p)
    out = np.zeros(u.shape, dtype=np.intp)
    for c in cdf[:-1]:       # a few comparisons: faster than a binary search per firm
        out += u >= c
    return out


def generate_firms(cfg: FirmsSection, zones_for: list[np.ndarray], markets: Markets,
                   capacity: int, rng: np.random.Generator) -> FirmPopulation:
    """Draw the initial population; arrays have room for ``capacity`` firms.

    One block of eight uniforms per firm (type, domain, potential, then the five of
    :func:`_draw_attributes`), each attribute by inversion of its distribution."""
    n = cfg.n
    capacity = max(capacity, n)
    type_p = np.array([cfg.type_shares[t] for t in FIRM_TYPES])
    dom_p = np.array([cfg.domain_shares[d] for d in DOMAINS])
    u = rng.random((8, n))
    types = _categorical(u[0], type_p).astype(np.int8)
    domains = _categorical(u[1], dom_p).astype(np.int8)
    potential = u[2] < cfg.potential_adopter_share
    attrs = _draw_attributes(u[3:], cfg, types, domains, zones_for, markets)

    def full(dtype, fill, values=None):
        if values is not None and capacity == n:      # no room for arrivals: one pass
            return np.asarray(values).astype(dtype)
        arr = np.full(capacity, fill, dtype=dtype)
        if values is not None:
            arr[:n] = values
        return arr

    return FirmPopulation(
        n=n,
        type=full(np.int8, 0, types),
        domain=full(np.int8, 0, domains),
        industry=full(np.int16, 0, attrs["industry"]),
        zone=full(np.int16, -1, attrs["zone"]),
        size=full(np.float64, 0.0, attrs["size"]),
        trl=full(np.int8, 1, attrs["trl"]),
        capability=full(np.float64, 0.0, attrs["capability"]),
        finance=full(np.float64, 0.0, attrs["finance"]),
        potential=full(bool, False, potential),
        busy=full(bool, False),
        adopted=full(bool, False),
        adopted_tech=full(np.int32, -1),
        served=full(bool, False),
        served_via=full(np.uint8, 0),
        attracted=full(bool, False),
        funded_month=full(np.int32, NEVER),
    )


def add_firms(firms: FirmPopulation, cfg: FirmsSection, domains: np.ndarray,
              zones_for: list[np.ndarray], markets: Markets,
              rng: np.random.Generator) -> np.ndarray:
    """Append arriving start-ups of the given domains; returns their indices (may be fewer
    than asked when the arrays are full).  Arrivals join the firm arrays but not the
    supply-chain network (their ties would form over years; a documented simplification)."""
    room = firms.capacity - firms.n
    domains = domains[:room]
    k = domains.shape[0]
    if k == 0:
        return np.empty(0, dtype=np.int64)
    idx = np.arange(firms.n, firms.n + k)
    types = np.full(k, FIRM_TYPES.index("startup"), dtype=np.int8)
    u = rng.random((6, k))
    attrs = _draw_attributes(u[:5], cfg, types, domains, zones_for, markets)
    firms.type[idx] = types
    firms.domain[idx] = domains
    for name, values in attrs.items():
        getattr(firms, name)[idx] = values
    # Firms that move in for the programme's opportunities bring deployable technology.
    firms.trl[idx] = np.minimum(firms.trl[idx] + 1, 9)
    firms.potential[idx] = u[5] < cfg.potential_adopter_share
    firms.attracted[idx] = True
    firms.n += k
    return idx


def build_network(firms: FirmPopulation, degree: int, homophily: float,
                  rng: np.random.Generator,
                  within: np.ndarray | None = None) -> sp.csr_matrix:
    """Undirected supply-chain network over all ``capacity`` slots (arrivals join unlinked).

    Each present firm forms ``degree`` ties; a tie stays in the firm's domain with probability
    ``homophily``.  Partners are chosen in proportion to size (lead firms are hubs), drawn in
    one vectorised pass per domain.  A tie drawn twice counts once; self-ties are dropped.

    ``within`` (one value a firm slot, e.g. the market): keep only the ties between firms of
    equal value (the model keeps the same-market ties, the only ones diffusion uses).  The
    ties are drawn exactly as without it, so the result equals filtering the full network
    (:func:`~changjing.simulate.diffusion.same_market_network`), at a fraction of the cost.

    The matrix is built directly in canonical CSR form (column indices sorted within each row,
    no duplicates; int32 indices; data 1.0), without a COO→CSR conversion.
    """
    cap = firms.capacity
    src, dst = network_ties(firms, degree, homophily, rng)
    if within is not None and src.size:
        keep = within[src] == within[dst]
        src, dst = src[keep], dst[keep]
    return symmetric_csr(src, dst, cap)


def network_ties(firms: FirmPopulation, degree: int, homophily: float,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The ties each present firm forms, as (source, partner) int32 arrays, self-ties dropped
    (duplicates kept).  Firm i's ``degree`` draws occupy entries i*degree ... (i+1)*degree-1
    before the self-ties are dropped, so ``source`` is non-decreasing."""
    n = firms.n
    if degree == 0 or n < 2:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int32)
    src = np.repeat(np.arange(n, dtype=np.int32), degree)
    same = rng.random(src.shape[0]) < homophily
    dst = np.empty_like(src)
    weight = firms.size[:n]
    # Partners outside the domain: size-weighted over everyone.
    cdf_all = np.cumsum(weight)
    cdf_all /= weight.sum()
    dst[~same] = _weighted_draws(cdf_all, int(src.shape[0] - np.count_nonzero(same)), rng)
    dom = firms.domain[:n]
    # Firms and same-domain ties grouped by domain (stable: ascending within a domain, as
    # one flatnonzero per domain would give them).
    by_dom = np.argsort(dom, kind="stable")
    firm_bounds = np.searchsorted(dom[by_dom], np.arange(len(DOMAINS) + 1))
    picks = np.flatnonzero(same)
    pick_dom = np.repeat(dom, degree)[picks]
    order = np.argsort(pick_dom, kind="stable")
    picks = picks[order]
    pick_bounds = np.searchsorted(pick_dom[order], np.arange(len(DOMAINS) + 1))
    for d in range(len(DOMAINS)):
        members = by_dom[firm_bounds[d]:firm_bounds[d + 1]]
        pick = picks[pick_bounds[d]:pick_bounds[d + 1]]
        if members.size == 0 or pick.size == 0:
            continue
        w = weight[members]
        cdf = np.cumsum(w)
        cdf /= w.sum()
        dst[pick] = members[_weighted_draws(cdf, pick.size, rng)]
    np.minimum(dst, n - 1, out=dst)
    keep = src != dst
    return src[keep], dst[keep]


def symmetric_csr(src: np.ndarray, dst: np.ndarray, size: int) -> sp.csr_matrix:
    """The symmetric 0/1 matrix (``size`` x ``size``) with an entry at (s, d) and (d, s) for
    every tie, in canonical CSR form: one sort of 64-bit (row, column) keys, duplicates
    dropped, int32 indices."""
    if src.size == 0:
        return sp.csr_matrix((size, size), dtype=np.float64)
    key = np.empty(2 * src.size, dtype=np.uint64)
    key[: src.size] = src.astype(np.uint64) << 32 | dst.astype(np.uint64)
    key[src.size:] = dst.astype(np.uint64) << 32 | src.astype(np.uint64)
    key.sort()
    fresh = np.empty(key.size, dtype=bool)
    fresh[0] = True
    np.not_equal(key[1:], key[:-1], out=fresh[1:])
    key = key[fresh]
    rows = (key >> np.uint64(32)).astype(np.int32)
    indices = (key & np.uint64(0xFFFFFFFF)).astype(np.int32)
    indptr = np.zeros(size + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=size), out=indptr[1:])
    adj = sp.csr_matrix((np.ones(key.size), indices, indptr), shape=(size, size))
    adj.has_sorted_indices = True
    adj.has_canonical_format = True
    return adj


def _weighted_draws(cdf: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` independent draws of an index with distribution function ``cdf``, in random
    order.  The uniforms are made sorted (normalised sums of exponential spacings: the order
    statistics of k uniforms) so that the search walks the table once, then the draws are
    shuffled — the same joint distribution as k unsorted searches, several times faster on a
    large table (a search per random key misses the cache)."""
    if k == 0:
        return np.empty(0, dtype=np.intp)
    gaps = np.cumsum(rng.standard_exponential(k + 1))
    u = gaps[:-1] / gaps[-1]
    idx = np.minimum(np.searchsorted(cdf, u, side="right"), cdf.size - 1)
    return idx[rng.permutation(k)]


@dataclass(frozen=True)
class FirmView:
    """One firm's state, built on demand for inspection (firms are arrays, not agents)."""

    index: int
    type: str
    domain: str
    industry: int
    zone: int
    size: float
    trl: int
    capability: float
    finance_yuan: float
    potential_adopter: bool
    busy: bool
    adopted: bool
    adopted_tech: int
    served: bool
    attracted: bool
    funded_month: int | None


def firm_view(firms: FirmPopulation, i: int) -> FirmView:
    if not 0 <= i < firms.n:
        raise IndexError(f"firm index must lie in 0..{firms.n - 1}, got {i}")
    funded = int(firms.funded_month[i])
    return FirmView(i, FIRM_TYPES[firms.type[i]], DOMAINS[firms.domain[i]],
                    int(firms.industry[i]), int(firms.zone[i]),
                    float(firms.size[i]), int(firms.trl[i]), float(firms.capability[i]),
                    float(firms.finance[i]), bool(firms.potential[i]), bool(firms.busy[i]),
                    bool(firms.adopted[i]), int(firms.adopted_tech[i]), bool(firms.served[i]),
                    bool(firms.attracted[i]), None if funded == NEVER else funded)
