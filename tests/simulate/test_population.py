"""The firm population: heavy-tailed sizes and the supply-chain network."""

from __future__ import annotations

import numpy as np
from changjing.simulate.config import FIRM_TYPES, Config
from changjing.simulate.firms import Markets, build_network, generate_firms

ZONES_FOR = [np.arange(12, dtype=np.int16)] * 6           # every zone covers every domain
MARKETS = Markets(first=np.array([0, 13, 16, 19, 22, 25]), count=np.array([13, 3, 3, 3, 3, 3]))


def hill_alpha(x: np.ndarray, k: int) -> float:
    """Hill (1975) estimator of a Pareto tail exponent from the k largest values."""
    top = np.sort(x)[-(k + 1):]
    return k / np.sum(np.log(top[1:] / top[0]))


def test_sizes_are_pareto_with_the_configured_exponent():
    cfg = Config().with_overrides({"firms.n": 200_000}).firms
    firms = generate_firms(cfg, ZONES_FOR, MARKETS, cfg.n, np.random.default_rng(3))
    sme = firms.size[: firms.n][firms.type[: firms.n] == FIRM_TYPES.index("sme")]
    sme = sme[sme < 2e5]  # the cap truncates the extreme tail
    alpha = hill_alpha(sme, 20_000)
    assert abs(alpha - cfg.size_tail_alpha) < 0.05, alpha
    # heavy tail: the largest 1 % of firms employ a large share of all employees
    all_sizes = np.sort(firms.size[: firms.n])
    top_share = all_sizes[-firms.n // 100:].sum() / all_sizes.sum()
    assert top_share > 0.3


def test_network_degree_and_homophily():
    cfg = Config().with_overrides({"firms.n": 20_000}).firms
    rng = np.random.default_rng(4)
    firms = generate_firms(cfg, ZONES_FOR, MARKETS, cfg.n + 100, rng)
    adj = build_network(firms, cfg.network_degree, cfg.network_homophily, rng)
    assert adj.shape == (cfg.n + 100, cfg.n + 100)
    assert (adj != adj.T).nnz == 0                      # undirected
    deg = np.asarray(adj.sum(axis=1)).ravel()
    assert deg[cfg.n:].sum() == 0                       # room for arrivals, unlinked
    # each firm forms k ties, so the mean degree is about 2k (a few duplicates collapse)
    assert 0.9 * 2 * cfg.network_degree < deg[: cfg.n].mean() <= 2 * cfg.network_degree
    rows, cols = adj.nonzero()
    same = (firms.domain[rows] == firms.domain[cols]).mean()
    shares = np.array(list(cfg.domain_shares.values()))
    chance = (shares**2).sum()
    expected = cfg.network_homophily + (1 - cfg.network_homophily) * chance
    assert abs(same - expected) < 0.03


def test_a_firm_can_be_inspected_on_demand():
    from changjing.simulate import ScenarioModel

    model = ScenarioModel(Config().with_overrides({"firms.n": 500, "run.warmup_months": 0}), 1)
    model.run_for(12)
    f = model.firm(7)
    assert f.index == 7 and f.type in FIRM_TYPES and 1 <= f.trl <= 9
    assert f.size == model.firms.size[7] and f.served == bool(model.firms.served[7])
    import pytest

    with pytest.raises(IndexError, match="firm index"):
        model.firm(10_000)


def test_industries_lie_in_their_domain_and_zones_on_theme():
    """Each firm's industry belongs to its domain; a firm in a zone sits in one whose theme
    covers its domain (here domain d's only zone is d)."""
    cfg = Config().with_overrides({"firms.n": 20_000}).firms
    zones_for = [np.array([d], dtype=np.int16) for d in range(6)]
    firms = generate_firms(cfg, zones_for, MARKETS, cfg.n, np.random.default_rng(5))
    n = firms.n
    assert np.array_equal(MARKETS.domain_of(firms.industry[:n]), firms.domain[:n])
    located = firms.zone[:n] >= 0
    assert np.array_equal(firms.zone[:n][located], firms.domain[:n][located])
    assert abs(located.mean() - cfg.zone_share) < 0.02
    # industries uniform within a domain: 13 of industrial_chain each ~1/13 of its firms
    ic = firms.industry[:n][firms.domain[:n] == 0]
    counts = np.bincount(ic, minlength=13)[:13] / ic.size
    assert np.all(np.abs(counts - 1 / 13) < 0.02)


def test_network_is_canonical_csr_equal_to_scipy_coo_conversion():
    """The directly built CSR equals scipy's COO→CSR conversion of the same ties (a second
    method), with sorted unique columns per row, and the same-market ties drawn with
    ``within`` equal filtering the full network afterwards."""
    import scipy.sparse as sp
    from changjing.simulate.diffusion import same_market_network
    from changjing.simulate.firms import network_ties

    cfg = Config().with_overrides({"firms.n": 3_000}).firms
    firms = generate_firms(cfg, ZONES_FOR, MARKETS, cfg.n + 50, np.random.default_rng(6))
    src, dst = network_ties(firms, 6, 0.5, np.random.default_rng(7))
    assert np.all(np.diff(src) >= 0) and not np.any(src == dst)
    rows, cols = np.concatenate([src, dst]), np.concatenate([dst, src])
    ref = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(cfg.n + 50,) * 2)
    ref.data[:] = 1.0
    ref.sort_indices()
    adj = build_network(firms, 6, 0.5, np.random.default_rng(7))
    assert adj.nnz < rows.size                      # some ties were drawn twice
    assert np.array_equal(adj.indptr, ref.indptr) and np.array_equal(adj.indices, ref.indices)
    assert np.all(adj.data == 1.0) and adj.indices.dtype == np.int32
    market = firms.industry.astype(np.intp)
    within = build_network(firms, 6, 0.5, np.random.default_rng(7), within=market)
    filtered = same_market_network(adj, market)
    assert 0 < within.nnz < adj.nnz
    assert np.array_equal(within.indptr, filtered.indptr)
    assert np.array_equal(within.indices, filtered.indices)
    r, c = within.nonzero()
    assert np.all(market[r] == market[c])
