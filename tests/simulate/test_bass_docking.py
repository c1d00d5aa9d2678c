"""Docking: with everything but diffusion switched off, the model is the discrete Bass model.

Reference: Bass (1969) Management Science 15:215; the per-step hazard p + qF acting on the
not-yet-adopted share gives E[F(t+1)] = F(t) + (p + qF(t))(1 - F(t)) exactly (the discrete
recursion, not the continuous closed form).  experiments/bass_docking.toml is the config.
"""

from __future__ import annotations

import numpy as np
from changjing.simulate import ScenarioModel, load_config
from changjing.simulate.config import DOMAINS


def bass_recursion(f0: float, p: float, q: float, steps: int) -> np.ndarray:
    out = np.empty(steps + 1)
    out[0] = f0
    for t in range(steps):
        out[t + 1] = out[t] + (p + q * out[t]) * (1 - out[t])
    return out


def simulate_shares(config, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-domain adopting share over time (steps+1 x domains) and domain sizes."""
    model = ScenarioModel(config, seed)
    n = model.firms.n
    dom = model.firms.domain[:n]
    sizes = np.bincount(dom, minlength=len(DOMAINS)).astype(float)
    f0 = np.bincount(dom[model.firms.adopted[:n]], minlength=len(DOMAINS)) / sizes
    model.run_for(model.n_steps)
    ts = model.datacollector.get_model_vars_dataframe()
    adopters = ts[[f"adopters_{d}" for d in DOMAINS]].to_numpy(float)
    return np.vstack([f0, adopters / sizes]), sizes


def test_mean_adoption_follows_discrete_bass(experiments_dir):
    config = load_config(experiments_dir / "bass_docking.toml",
                         {"firms.n": 6000, "run.months": 96})
    p = config.diffusion.p_per_year / 12
    q = config.diffusion.q_per_year / 12
    reps = 12
    sims, refs = [], []
    for seed in range(reps):
        shares, sizes = simulate_shares(config, seed)
        expected = np.column_stack([bass_recursion(f, p, q, shares.shape[0] - 1)
                                    for f in shares[0]])
        w = sizes / sizes.sum()
        sims.append(shares @ w)
        refs.append(expected @ w)
    sims, refs = np.array(sims), np.array(refs)
    diff = sims - refs                              # per replication and step
    se = diff.std(axis=0, ddof=1) / np.sqrt(reps)
    mean_diff = diff.mean(axis=0)
    # Within sampling error at every step (4 SE, plus float slack at t=0).
    assert np.all(np.abs(mean_diff) <= 4 * se + 1e-9), np.abs(mean_diff / (se + 1e-12)).max()
    # And the curve really moved: S-shape from ~1 % to well past the inflection.
    assert sims[:, 0].mean() < 0.02 and sims[:, -1].mean() > 0.6


def test_docking_detects_a_wrong_q(experiments_dir):
    """The same comparison rejects the recursion when q is off by 20 % (the test has power)."""
    config = load_config(experiments_dir / "bass_docking.toml",
                         {"firms.n": 6000, "run.months": 96})
    p = config.diffusion.p_per_year / 12
    q_wrong = 1.2 * config.diffusion.q_per_year / 12
    shares, sizes = simulate_shares(config, 0)
    w = sizes / sizes.sum()
    wrong = np.column_stack([bass_recursion(f, p, q_wrong, shares.shape[0] - 1)
                             for f in shares[0]]) @ w
    assert np.max(np.abs(shares @ w - wrong)) > 0.05
