"""Diffusion rules against their stated formulas (tools/mutation.py diffusion).

Each test builds a firm population by hand and calls one diffusion step, then compares the
share of firms that adopt (or that take a given technology) with the closed form in
simulate/diffusion.py's docstring, within 4.5 binomial standard deviations: with these sizes
a test fails by chance with probability below 1e-5.  Nothing here depends on the order in
which the step draws its random numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from changjing.simulate import Config
from changjing.simulate.diffusion import (
    NOT_PROMOTED,
    TechnologyRegistry,
    diffusion_step,
    same_market_network,
    seed_adopters,
)
from changjing.simulate.firms import NEVER, FirmPopulation

Z = 4.5


def population(n: int, *, extra: int = 0, zone=None, finance=1e12) -> FirmPopulation:
    """``n`` potential adopters (capacity ``n + extra``), none adopted, one domain."""
    cap = n + extra
    zeros = np.zeros(cap)
    return FirmPopulation(
        n=n, type=np.zeros(cap, np.int8), domain=np.zeros(cap, np.int8),
        industry=np.zeros(cap, np.int16),
        zone=np.full(cap, -1, np.int16) if zone is None else np.asarray(zone, np.int16),
        size=zeros + 10, trl=np.full(cap, 5, np.int8), capability=zeros + 0.5,
        finance=np.broadcast_to(np.asarray(finance, float), (cap,)).copy(),
        potential=np.ones(cap, bool), busy=np.zeros(cap, bool), adopted=np.zeros(cap, bool),
        adopted_tech=np.full(cap, -1, np.int32), served=np.zeros(cap, bool),
        served_via=np.zeros(cap, np.uint8), attracted=np.zeros(cap, bool),
        funded_month=np.full(cap, NEVER, np.int32))


def diffusion_cfg(**kw):
    over = {"diffusion.adoption_cost_yuan": 0.0, "diffusion.network_weight": 0.0,
            "diffusion.local_demonstration_gain": 0.0}
    over.update({f"diffusion.{k}": v for k, v in kw.items()})
    return Config().with_overrides(over).diffusion


def registry(suppliers, markets, adopters=None, zones=None) -> TechnologyRegistry:
    t = TechnologyRegistry()
    k = len(suppliers)
    t.add(np.asarray(suppliers), np.zeros(k), np.asarray(markets),
          np.full(k, -1) if zones is None else np.asarray(zones), np.arange(k), 0)
    if adopters is not None:
        t.adopters[:] = adopters
    return t


def no_network(cap: int) -> tuple[sp.csr_matrix, np.ndarray]:
    return sp.csr_matrix((cap, cap)), np.zeros(cap)


def step(firms, techs, cfg, dt, seed=1, market=None, n_markets=1, network=None, n_zones=0):
    cap = firms.capacity
    market = np.zeros(cap, np.int64) if market is None else market
    net, deg = no_network(cap) if network is None else network
    return diffusion_step(firms, market, n_markets, net, deg, techs, cfg, dt,
                          np.random.default_rng(seed), n_zones)


def assert_share(hits: int, trials: int, p: float) -> None:
    sd = math.sqrt(p * (1 - p) / trials)
    assert abs(hits / trials - p) <= Z * sd + 1e-12, (hits / trials, p, Z * sd)


def adopt_share_setup(n=60_000, adopted_share=0.3):
    """A third of the market adopted (technology 0, supplier firm 0 among them)."""
    firms = population(n)
    k = int(n * adopted_share)
    firms.adopted[:k] = True
    firms.adopted_tech[:k] = 0
    return firms, k


@pytest.mark.parametrize("hazard", ["linear", "exponential"])
def test_one_step_hazard_is_the_bass_closed_form(hazard):
    p, q, dt = 1.2, 2.4, 1 / 12
    firms, k = adopt_share_setup()
    n = firms.n
    techs = registry([0], [0], adopters=[k])
    new = step(firms, techs, diffusion_cfg(p_per_year=p, q_per_year=q, hazard=hazard), dt)
    rate = (p + q * k / n) * dt
    expected = rate if hazard == "linear" else 1 - math.exp(-rate)
    assert np.all(new >= k) and np.unique(new).size == new.size   # only non-adopters
    assert_share(new.size, n - k, expected)
    assert firms.adopted[new].all() and (firms.adopted_tech[new] == 0).all()
    assert techs.adopters[0] == k + new.size


def test_linear_hazard_is_capped_at_one_and_suppliers_skip_their_own():
    """(p + qF) dt > 1: every potential non-adopter adopts, except the technology's supplier,
    who does not adopt its own technology."""
    firms = population(500)
    techs = registry([7], [0])
    new = step(firms, techs, diffusion_cfg(p_per_year=12.0, q_per_year=0.0), 1.0)
    assert sorted(new.tolist()) == [i for i in range(500) if i != 7]
    assert not firms.adopted[7]


def test_non_potential_and_absent_firms_never_adopt():
    firms = population(400, extra=100)                    # 100 slots not yet occupied
    firms.potential[:200] = False
    techs = registry([450], [0])
    new = step(firms, techs, diffusion_cfg(p_per_year=12.0, q_per_year=0.0), 1.0)
    assert sorted(new.tolist()) == list(range(200, 400))


def test_markets_without_a_demonstration_wait_unless_not_required():
    firms = population(20_000)
    market = np.repeat([0, 1], 10_000)
    techs = registry([0], [0])                            # only market 0 has a technology
    cfg = diffusion_cfg(p_per_year=1.2, q_per_year=0.0)
    new = step(firms, techs, cfg, 1 / 12, market=market, n_markets=2)
    assert (market[new] == 0).all()
    assert_share(new.size, 10_000 - 1, 0.1)
    # not required: market 1 adopts too, with no technology to take (adopted_tech stays -1)
    firms2 = population(20_000)
    new2 = step(firms2, registry([0], [0]), diffusion_cfg(p_per_year=1.2, q_per_year=0.0,
                                                          require_demonstration=False),
                1 / 12, market=market, n_markets=2)
    in1 = new2[market[new2] == 1]
    assert_share(in1.size, 10_000, 0.1)
    assert (firms2.adopted_tech[in1] == -1).all() and firms2.adopted[in1].all()
    assert (firms2.adopted_tech[new2[market[new2] == 0]] == 0).all()


def test_a_market_with_no_potential_adopters_has_no_internal_influence():
    """Market 1's potential adopters are absent (m = 0): its share is 0, not 0/0."""
    firms = population(10_000)
    market = np.zeros(10_000, np.int64)
    techs = registry([0], [0])
    new = step(firms, techs, diffusion_cfg(p_per_year=1.2, q_per_year=3.0), 1 / 12,
               market=market, n_markets=2)
    assert_share(new.size, 9_999, 0.1)


def test_network_weight_mixes_neighbours_and_market():
    """w = .5; half the non-adopters have both neighbours adopting (share 1), half none.
    Internal influence: .5 * neighbour share + .5 * market share."""
    n_adopt, n_half = 20_000, 20_000
    n = n_adopt + 3 * n_half                              # a third group has no neighbours
    firms = population(n)
    firms.adopted[:n_adopt] = True
    firms.adopted_tech[:n_adopt] = 0
    rows, cols = [], []
    a = np.arange(n_adopt, n_adopt + n_half)              # neighbours: two adopters each
    b = np.arange(n_adopt + n_half, n_adopt + 2 * n_half)  # neighbours: two non-adopters
    lone = np.arange(n_adopt + 2 * n_half, n)
    for i, nb in ((a, [a - n_adopt, a - n_adopt + 1]),
                  (b, [np.where(b + 1 < lone[0], b + 1, n_adopt + n_half),
                       np.where(b + 2 < lone[0], b + 2, n_adopt + n_half + 1)])):
        for col in nb:
            rows.append(i)
            cols.append(col)
    r, c = np.concatenate(rows), np.concatenate(cols)
    net = sp.csr_matrix((np.ones(r.size), (r, c)), shape=(n, n))
    deg = np.asarray(net.sum(axis=1)).ravel()
    techs = registry([0], [0], adopters=[n_adopt])
    p, q, dt, w = 0.6, 2.4, 1 / 12, 0.5
    new = step(firms, techs, diffusion_cfg(p_per_year=p, q_per_year=q, network_weight=w),
               dt, network=(net, deg))
    share_mkt = n_adopt / n
    for group, s_nbr in ((a, 1.0), (b, 0.0), (lone, share_mkt)):   # lone: the market's
        hits = np.isin(new, group).sum()
        assert_share(int(hits), n_half, (p + q * (w * s_nbr + (1 - w) * share_mkt)) * dt)


@pytest.mark.parametrize("gain", [0.5, 1.5])
def test_local_demonstration_raises_p_in_the_zone_of_the_demonstration(gain):
    """p x (1 + gain) for firms in zone 0, where a technology of their market was shown;
    zone 1 and elsewhere (-1) keep p."""
    n = 90_000
    zone = np.repeat([0, 1, -1], n // 3)
    firms = population(n, zone=zone)
    techs = registry([0], [0], zones=[0])
    p, dt = 0.9, 1 / 12
    new = step(firms, techs, diffusion_cfg(p_per_year=p, q_per_year=0.0,
                                           local_demonstration_gain=gain), dt, n_zones=2)
    for z, mult in ((0, 1 + gain), (1, 1.0), (-1, 1.0)):
        hits = int((zone[new] == z).sum())
        assert_share(hits, n // 3 - (z == 0), p * mult * dt)


def test_technology_choice_follows_the_source_of_the_hazard():
    """Market with technologies T0 (300 adopters) and T1 (100); every non-adopter has two
    neighbours using T1, w = .5.  With F = .4 of the market adopted, a new adopter takes T1
    with probability  ext/2 + net·1 + rest·100/400, where ext = p/h, net = q w·1/h,
    rest = q (1-w) F/h and h = p + q (w·1 + (1-w) F)."""
    n_t0, n_t1, n_new = 3_000, 1_000, 6_000
    n = n_t0 + n_t1 + n_new
    firms = population(n)
    firms.adopted[: n_t0 + n_t1] = True
    firms.adopted_tech[:n_t0] = 0
    firms.adopted_tech[n_t0:n_t0 + n_t1] = 1
    fresh = np.arange(n_t0 + n_t1, n)
    r = np.repeat(fresh, 2)
    c = n_t0 + (np.arange(r.size) % n_t1)
    net = sp.csr_matrix((np.ones(r.size), (r, c)), shape=(n, n))
    deg = np.asarray(net.sum(axis=1)).ravel()
    techs = registry([0, n_t0], [0, 0], adopters=[300, 100])
    p, q, w, F = 3.0, 6.0, 0.5, (n_t0 + n_t1) / n
    chosen = {0: 0, 1: 0}
    trials = 0
    for seed in range(4):
        f = population(n)
        f.adopted[:], f.adopted_tech[:] = firms.adopted, firms.adopted_tech
        t = registry([0, n_t0], [0, 0], adopters=[300, 100])
        new = step(f, t, diffusion_cfg(p_per_year=p, q_per_year=q, network_weight=w,
                                       hazard="exponential"), 1 / 12, seed=seed,
                   network=(net, deg))
        trials += new.size
        for k in (0, 1):
            chosen[k] += int((f.adopted_tech[new] == k).sum())
    h = p + q * (w * 1.0 + (1 - w) * F)
    p_t1 = (p / h) / 2 + q * w / h + (q * (1 - w) * F / h) * 100 / 400
    assert chosen[0] + chosen[1] == trials and trials > 2000
    assert_share(chosen[1], trials, p_t1)
    del techs


def test_market_word_of_mouth_is_proportional_to_adopters():
    """No network, q only (p = 0): T0 has 3 of 4 adopters → taken with probability 3/4
    (small counts, so that an off-by-one in the cumulative counts shows)."""
    firms, k = adopt_share_setup(n=40_000, adopted_share=0.5)
    techs = registry([0, 1], [0, 0], adopters=[3, 1])
    new = step(firms, techs, diffusion_cfg(p_per_year=0.0, q_per_year=6.0), 1 / 12)
    assert_share(int((firms.adopted_tech[new] == 0).sum()), new.size, 0.75)


def test_external_influence_picks_a_technology_uniformly():
    """q = 0: T0 (many adopters) and T1 (none) are equally likely."""
    firms = population(30_000)
    techs = registry([0, 1], [0, 0], adopters=[10_000, 0])
    new = step(firms, techs, diffusion_cfg(p_per_year=3.0, q_per_year=0.0), 1 / 12)
    assert_share(int((firms.adopted_tech[new] == 1).sum()), new.size, 0.5)


def test_first_word_of_mouth_with_no_counted_adopters_is_uniform():
    """Market share from technology-less (seeded) adopters; no technology has adopters yet:
    word of mouth in the market picks among them uniformly."""
    firms = population(30_000)
    firms.adopted[:15_000] = True                         # seeded: adopted_tech = -1
    techs = registry([0, 1], [0, 0])
    new = step(firms, techs, diffusion_cfg(p_per_year=0.0, q_per_year=6.0), 1 / 12)
    assert new.size > 1000
    assert_share(int((firms.adopted_tech[new] == 1).sum()), new.size, 0.5)


def test_price_follows_the_learning_curve_and_gates_adoption():
    """3 earlier adopters, learning rate .2: price = cost0 (1+3)^log2(.8) = .64 cost0.
    Firms that can put .65 cost0 into it adopt; .63 cost0 wait; revenue = adopters x price."""
    cost0 = 1e5
    fin = np.where(np.arange(2000) % 2 == 0, 0.65 * cost0, 0.63 * cost0)
    firms = population(2000, finance=fin)
    techs = registry([1999], [0], adopters=[3])
    new = step(firms, techs, diffusion_cfg(p_per_year=12.0, q_per_year=0.0, learning_rate=0.2,
                                           adoption_cost_yuan=cost0), 1.0)
    assert (new % 2 == 0).all() and new.size == 1000
    assert techs.revenue[0] == pytest.approx(1000 * 0.64 * cost0)
    assert techs.adopters[0] == 1003
    assert not firms.adopted[1::2].any()


def test_seed_adopters_take_a_share_of_potential_adopters_without_technology():
    firms = population(50_000)
    firms.potential[:10_000] = False
    pick = seed_adopters(firms, 0.2, np.random.default_rng(3))
    assert pick.min() >= 10_000
    assert_share(pick.size, 40_000, 0.2)
    assert firms.adopted[pick].all() and (firms.adopted_tech[pick] == -1).all()
    assert firms.adopted.sum() == pick.size


def test_same_market_network_keeps_only_ties_within_a_market():
    net = sp.csr_matrix(np.array([[0, 1, 1, 0], [1, 0, 0, 1], [1, 0, 0, 1], [0, 1, 1, 0]]))
    out = same_market_network(net, np.array([0, 0, 1, 1]))
    assert out.toarray().tolist() == [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]


def test_registry_records_and_promotes():
    t = TechnologyRegistry()
    assert t.n == 0
    t.add(np.array([5, 6]), np.array([1, 2]), np.array([3, 4]), np.array([0, -1]),
          np.array([10, 11]), 7)
    t.add(np.array([8]), np.array([0]), np.array([3]), np.array([2]), np.array([12]), 9)
    assert t.n == 3
    assert t.supplier.tolist() == [5, 6, 8] and t.market.tolist() == [3, 4, 3]
    assert t.domain.tolist() == [1, 2, 0] and t.zone.tolist() == [0, -1, 2]
    assert t.scenario.tolist() == [10, 11, 12] and t.demo_month.tolist() == [7, 7, 9]
    assert not t.procured.any() and t.adopters.tolist() == [0, 0, 0]
    assert t.revenue.tolist() == [0, 0, 0]
    assert (t.promoted_month == NOT_PROMOTED).all()
    t.adopters[:] = [2, 3, 0]
    t.procured[2] = True
    t.update_promotion(12, min_adopters=3)                # T1 by adopters, T2 by procurement
    assert t.promoted_month.tolist() == [NOT_PROMOTED, 12, 12]
    t.adopters[0] = 3
    t.update_promotion(15, min_adopters=3)                # promotion month is kept, not reset
    assert t.promoted_month.tolist() == [15, 12, 12]
    assert t.promoted_since(12) == 3 and t.promoted_since(13) == 1 and t.promoted_since(16) == 0


def test_never_promoted_is_below_every_month():
    """A technology not promoted is counted by no ``promoted_since``, even for warm-up
    months (negative, down to -600)."""
    t = registry([0, 1], [0, 0])
    t.procured[1] = True
    t.update_promotion(-100, min_adopters=3)
    assert t.promoted_since(-600) == 1 and t.promoted_since(0) == 0
    assert t.promoted_month.tolist()[0] < -600


def test_without_zones_there_is_no_local_demonstration_effect():
    """Called without ``n_zones`` (no candidate zones), p is not raised anywhere."""
    n = 60_000
    firms = population(n, zone=np.zeros(n))
    techs = registry([0], [0], zones=[0])
    new = diffusion_step(firms, np.zeros(n, np.int64), 1, *no_network(n), techs,
                         diffusion_cfg(p_per_year=0.9, q_per_year=0.0,
                                       local_demonstration_gain=2.0), 1 / 12,
                         np.random.default_rng(2))
    assert_share(new.size, n - 1, 0.9 / 12)


def test_a_single_new_adopter_is_recorded():
    firms = population(2)
    firms.adopted[0] = True                               # the supplier, already adopting
    techs = registry([0], [0])
    new = step(firms, techs, diffusion_cfg(p_per_year=12.0, q_per_year=0.0), 1.0)
    assert new.tolist() == [1]
    assert firms.adopted.tolist() == [True, True] and firms.adopted_tech[1] == 0
    assert techs.adopters[0] == 1


def test_external_choice_stays_in_the_adopter_s_market():
    """Two markets, two technologies each: an adopter takes one of its own market's."""
    n = 20_000
    market = np.repeat([0, 1], n // 2).astype(np.int64)
    firms = population(n)
    techs = registry([0, 1, n // 2, n // 2 + 1], [0, 0, 1, 1])
    new = step(firms, techs, diffusion_cfg(p_per_year=3.0, q_per_year=0.0), 1 / 12,
               market=market, n_markets=2)
    assert new.size > 1000
    np.testing.assert_array_equal(techs.market[firms.adopted_tech[new]], market[new])
    in1 = new[market[new] == 1]
    assert_share(int((firms.adopted_tech[in1] == 3).sum()), in1.size, 0.5)


def test_external_choice_is_uniform_whatever_the_adopters():
    """Mirror of the uniform test: now the second technology has all the adopters."""
    firms = population(30_000)
    techs = registry([0, 1], [0, 0], adopters=[0, 10_000])
    new = step(firms, techs, diffusion_cfg(p_per_year=3.0, q_per_year=0.0), 1 / 12)
    assert_share(int((firms.adopted_tech[new] == 0).sum()), new.size, 0.5)


def test_network_word_of_mouth_picks_a_random_adopting_neighbour():
    """w = 1, p = 0: every adoption comes from the network; each non-adopter has two
    adopting neighbours, one with T0 and one with T1 → each taken with probability ½."""
    n_new = 20_000
    n = n_new + 2
    firms = population(n)
    firms.adopted[:2] = True
    firms.adopted_tech[:2] = [0, 1]
    fresh = np.arange(2, n)
    r = np.repeat(fresh, 2)
    c = np.tile([0, 1], n_new)
    net = sp.csr_matrix((np.ones(r.size), (r, c)), shape=(n, n))
    deg = np.asarray(net.sum(axis=1)).ravel()
    # adopters 1 : 3 — word of mouth in the market would give T1 ¾, not ½; yearly rate < 1
    techs = registry([0, 1], [0, 0], adopters=[1, 3])
    # p = .3, q = .6, I = 1: a third external (uniform), two thirds from a neighbour
    new = step(firms, techs, diffusion_cfg(p_per_year=0.3, q_per_year=0.6, network_weight=1.0),
               0.5, network=(net, deg))
    assert new.size > 1000
    assert_share(int((firms.adopted_tech[new] == 1).sum()), new.size, 0.5)


def test_a_firm_that_can_just_afford_the_price_adopts():
    cost0, lr = 1e5, 0.2
    price = cost0 * (1.0 + 3) ** np.log2(1.0 - lr)        # the learning-curve price
    firms = population(100, finance=price)
    techs = registry([99], [0], adopters=[3])
    new = step(firms, techs, diffusion_cfg(p_per_year=12.0, q_per_year=0.0, learning_rate=lr,
                                           adoption_cost_yuan=cost0), 1.0)
    assert new.size == 99


def test_a_single_neighbour_is_a_neighbourhood():
    """w = 1: a firm with one adopting neighbour has internal influence 1, not the market's."""
    n_new = 20_000
    n = n_new + 1
    firms = population(n)
    firms.adopted[0] = True
    firms.adopted_tech[0] = 0
    r = np.arange(1, n)
    net = sp.csr_matrix((np.ones(n_new), (r, np.zeros(n_new, int))), shape=(n, n))
    deg = np.asarray(net.sum(axis=1)).ravel()
    techs = registry([0], [0], adopters=[1])
    new = step(firms, techs, diffusion_cfg(p_per_year=0.0, q_per_year=1.2, network_weight=1.0),
               1 / 12, network=(net, deg))
    assert_share(new.size, n_new, 1.2 / 12)


def test_market_word_of_mouth_within_the_second_market():
    """Market 1's technologies have 1 and 3 adopters (market 0's one has 5): word of mouth
    in market 1 takes the second with probability ¾."""
    n = 40_000
    market = np.repeat([0, 1], n // 2).astype(np.int64)
    firms = population(n)
    firms.adopted[n // 2: n // 2 + 8000] = True              # seeded, technology-less
    techs = registry([0, n // 2, n // 2 + 1], [0, 1, 1], adopters=[5, 1, 3])
    new = step(firms, techs, diffusion_cfg(p_per_year=0.0, q_per_year=3.0), 1 / 12,
               market=market, n_markets=2)
    in1 = new[market[new] == 1]
    assert in1.size > 500 and (market[new] == 1).all()
    assert_share(int((firms.adopted_tech[in1] == 2).sum()), in1.size, 0.75)


def _half_adopting_neighbourhood(n_new, neighbour_tech):
    """Fresh firm i has two neighbours: firm 0 (adopting ``neighbour_tech``) and the next
    fresh firm (not adopting): neighbour share ½.  Seeded technology-less adopters make the
    market share F = ½."""
    n = 2 * n_new
    firms = population(n)
    firms.adopted[0] = True
    firms.adopted_tech[0] = neighbour_tech
    firms.adopted[n_new:] = True                          # seeded (technology -1)
    fresh = np.arange(1, n_new)
    nxt = np.where(fresh + 1 < n_new, fresh + 1, 1)
    r = np.repeat(fresh, 2)
    c = np.column_stack([np.zeros_like(fresh), nxt]).ravel()
    net = sp.csr_matrix((np.ones(r.size), (r, c)), shape=(n, n))
    return firms, (net, np.asarray(net.sum(axis=1)).ravel()), fresh


def test_choice_mixture_with_half_adopting_neighbours():
    """w = ½, p = 0, neighbour share ½, market share ½: network share of the hazard
    q w ½ / (q (w ½ + (1-w) ½)) = ½, the rest market word of mouth with adopters T0:T1 = 3:1,
    so P(T1) = ½ + ½ · ¼ = .625.  q = 1.2 keeps the yearly rate below one."""
    firms, network, fresh = _half_adopting_neighbourhood(20_000, neighbour_tech=1)
    techs = registry([0, 1], [0, 0], adopters=[3, 1])
    new = step(firms, techs, diffusion_cfg(p_per_year=0.0, q_per_year=1.2, network_weight=0.5,
                                           hazard="exponential"), 1.0, network=network)
    assert np.isin(new, fresh).all() and new.size > 5000
    assert_share(int((firms.adopted_tech[new] == 1).sum()), new.size, 0.625)


def test_network_pick_among_technology_less_neighbours_is_proportional():
    """w = 1, p = 0: all word of mouth from neighbours, who adopted no technology (seeded):
    the pick falls back to the market's technologies in proportion to adopters (3:1)."""
    n_new = 20_000
    n = n_new + 1
    firms = population(n)
    firms.adopted[0] = True                               # seeded, technology -1
    r = np.arange(1, n)
    net = sp.csr_matrix((np.ones(n_new), (r, np.zeros(n_new, int))), shape=(n, n))
    deg = np.asarray(net.sum(axis=1)).ravel()
    techs = registry([0, 1], [0, 0], adopters=[3, 1])
    p, q = 0.6, 6.0                                       # external share p / (p + q)
    new = step(firms, techs, diffusion_cfg(p_per_year=p, q_per_year=q, network_weight=1.0,
                                           hazard="exponential"), 1 / 12, network=(net, deg))
    assert new.size > 5000
    ext = p / (p + q)
    assert_share(int((firms.adopted_tech[new] == 0).sum()), new.size,
                 ext * 0.5 + (1 - ext) * 0.75)


def test_technology_less_neighbours_are_no_source():
    """w = 1, p = 0: neighbours are one adopter of T1 and one seeded (technology-less)
    adopter: the network pick is always T1 (the market's 3:1 for T0 never enters)."""
    n_new = 20_000
    n = n_new + 2
    firms = population(n)
    firms.adopted[:2] = True
    firms.adopted_tech[:2] = [1, -1]
    r = np.repeat(np.arange(2, n), 2)
    c = np.tile([0, 1], n_new)
    net = sp.csr_matrix((np.ones(r.size), (r, c)), shape=(n, n))
    deg = np.asarray(net.sum(axis=1)).ravel()
    techs = registry([0, 1], [0, 0], adopters=[3, 1])
    new = step(firms, techs, diffusion_cfg(p_per_year=0.0, q_per_year=3.0, network_weight=1.0),
               1 / 12, network=(net, deg))
    assert new.size > 2000 and (firms.adopted_tech[new] == 1).all()
