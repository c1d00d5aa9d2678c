"""Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC / ABC-PMC).

The algorithm of Beaumont, Cornuet, Marin & Robert (2009, *Biometrika* 96:983, "Adaptive
approximate Bayesian computation"), with the tolerance schedule of Del Moral, Doucet & Jasra
(2012) chosen adaptively as a quantile of the previous population's distances:

* generation 0: ``particles`` draws from the prior, all kept (tolerance ∞);
* generation t ≥ 1: tolerance ε_t = ``quantile`` of the distances of generation t−1; proposals
  pick an ancestor by weight and move it with a Gaussian kernel whose covariance is twice the
  weighted covariance of generation t−1; a proposal is kept when its simulated distance ≤ ε_t;
  its weight is π(θ) / Σ_j w_j K(θ | θ_j);
* stop after ``generations`` generations, or when a generation's acceptance rate falls below
  ``min_acceptance`` (that generation is then abandoned and the previous one is the result).

Parameters are perturbed in a transformed space (log for log-uniform priors).  Proposals come
in batches whose random numbers depend only on (root seed, generation, batch), and accepted
particles are taken in proposal order, so the result is identical whatever the number of
workers that evaluate a batch.  ``evaluate`` may return stored distances (resume).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Prior:
    """A prior of one free parameter (``key`` is the dotted config key it sets)."""

    name: str
    key: str
    dist: Literal["uniform", "loguniform", "normal"]
    low: float
    high: float
    mu: float | None = None
    sigma: float | None = None
    integer: bool = False

    def _z_bounds(self) -> tuple[float, float]:
        if self.dist == "loguniform":
            return float(np.log(self.low)), float(np.log(self.high))
        return self.low, self.high

    def to_value(self, z: np.ndarray) -> np.ndarray:
        """Transformed coordinate → parameter value."""
        x = np.exp(z) if self.dist == "loguniform" else np.asarray(z, dtype=float)
        return np.rint(x) if self.integer else x

    def to_z(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.log(x) if self.dist == "loguniform" else x

    def sample_z(self, rng: np.random.Generator, n: int) -> np.ndarray:
        lo, hi = self._z_bounds()
        if self.dist == "normal":
            a, b = (lo - self.mu) / self.sigma, (hi - self.mu) / self.sigma  # type: ignore[operator]
            return stats.truncnorm.rvs(a, b, loc=self.mu, scale=self.sigma, size=n,
                                       random_state=rng)
        return rng.uniform(lo, hi, size=n)

    def logpdf_z(self, z: np.ndarray) -> np.ndarray:
        lo, hi = self._z_bounds()
        z = np.asarray(z, dtype=float)
        inside = (z >= lo) & (z <= hi)
        if self.dist == "normal":
            dens = stats.norm.logpdf(z, self.mu, self.sigma)
        else:
            dens = np.full(z.shape, -np.log(hi - lo))
        return np.where(inside, dens, -np.inf)


@dataclass
class Generation:
    index: int
    epsilon: float
    z: np.ndarray              # (particles, D) transformed coordinates
    weights: np.ndarray        # normalised
    distances: np.ndarray
    simulations: int           # proposals simulated in this generation
    accepted_keys: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def acceptance(self) -> float:
        return len(self.weights) / self.simulations if self.simulations else float("nan")

    @property
    def ess(self) -> float:
        """Kish effective sample size of the weights."""
        return float(1.0 / np.sum(self.weights**2))


Evaluate = Callable[[int, int, np.ndarray, list[int]], np.ndarray]
"""evaluate(generation, batch, Z (B × D), seeds) → distances (B,)"""


def _seeds(root: int, gen: int, batch: int, n: int) -> list[int]:
    seq = np.random.SeedSequence(int(root), spawn_key=(int(gen), int(batch), 1))
    return [int(s) for s in seq.generate_state(n, dtype=np.uint64) % np.uint64(2**63 - 1)]


def _batch_rng(root: int, gen: int, batch: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(int(root), spawn_key=(gen, batch, 0)))


def log_prior(priors: Sequence[Prior], z: np.ndarray) -> np.ndarray:
    return np.sum([p.logpdf_z(z[:, j]) for j, p in enumerate(priors)], axis=0)


def propose(priors: Sequence[Prior], prev: Generation | None, n: int,
            rng: np.random.Generator) -> np.ndarray:
    """``n`` proposals: from the prior (first generation) or perturbed ancestors."""
    d = len(priors)
    if prev is None:
        return np.column_stack([p.sample_z(rng, n) for p in priors])
    cov = _kernel_cov(prev)
    out = np.empty((0, d))
    for _ in range(1000):  # redraw proposals that fall outside the prior's support
        anc = rng.choice(len(prev.weights), size=n, p=prev.weights)
        cand = prev.z[anc] + rng.multivariate_normal(np.zeros(d), cov, size=n,
                                                     method="cholesky")
        cand = cand[np.isfinite(log_prior(priors, cand))]
        out = np.vstack([out, cand])
        if len(out) >= n:
            return out[:n]
    raise RuntimeError("could not draw proposals inside the prior's support")


def _kernel_cov(prev: Generation) -> np.ndarray:
    """Twice the weighted covariance of the previous population (Beaumont et al. 2009)."""
    cov = np.atleast_2d(np.cov(prev.z, rowvar=False, aweights=prev.weights))
    jitter = 1e-12 * np.eye(cov.shape[0]) * max(1.0, float(np.trace(cov)))
    return 2.0 * cov + jitter


def importance_weights(priors: Sequence[Prior], z: np.ndarray, prev: Generation | None
                       ) -> np.ndarray:
    if prev is None:
        return np.full(len(z), 1.0 / len(z))
    cov = _kernel_cov(prev)
    kernel = stats.multivariate_normal(mean=np.zeros(z.shape[1]), cov=cov, allow_singular=True)
    dens = np.array([np.dot(prev.weights, kernel.pdf(zi - prev.z)) for zi in z])
    w = np.exp(log_prior(priors, z)) / dens
    return w / w.sum()


def abc_smc(priors: Sequence[Prior], evaluate: Evaluate, *, particles: int = 200,
            generations: int = 8, quantile: float = 0.5, min_acceptance: float = 0.02,
            root_seed: int = 0, completed: Sequence[Generation] = (),
            on_generation: Callable[[Generation], None] | None = None,
            max_batches: int | None = None) -> list[Generation]:
    """Run (or resume after ``completed``) ABC-SMC; returns all completed generations."""
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie in (0, 1), got {quantile}")
    if particles < 2:
        raise ValueError(f"particles must be at least 2, got {particles}")
    done = list(completed)
    batch_cap = max_batches or max(1, int(np.ceil(1.0 / max(min_acceptance, 1e-6))))
    while len(done) < generations:
        t = len(done)
        prev = done[-1] if done else None
        eps = np.inf if prev is None else float(np.quantile(prev.distances, quantile))
        zs, ds = [], []
        keys: list[tuple[int, int, int]] = []
        sims = 0
        for b in range(batch_cap):
            rng = _batch_rng(root_seed, t, b)
            z = propose(priors, prev, particles, rng)
            seeds = _seeds(root_seed, t, b, particles)
            dist = np.asarray(evaluate(t, b, z, seeds), dtype=float)
            sims += particles
            keep = np.flatnonzero(dist <= eps)
            zs.append(z[keep])
            ds.append(dist[keep])
            keys.extend((t, b, int(i)) for i in keep)
            if sum(len(x) for x in ds) >= particles:
                break
        z_all = np.vstack(zs)[:particles]
        d_all = np.concatenate(ds)[:particles]
        keys = keys[:particles]
        if len(z_all) < particles:        # acceptance too low: keep the previous generation
            break
        gen = Generation(t, eps, z_all, importance_weights(priors, z_all, prev), d_all, sims,
                         keys)
        done.append(gen)
        if on_generation:
            on_generation(gen)
        if gen.acceptance < min_acceptance:
            break
    return done


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    cw = (cw - 0.5 * w[order]) / cw[-1]
    return np.interp(q, cw, x[order])
