"""The idiomatic-Mesa reference: the same Bass diffusion step with one Agent object per firm.

Kept only to measure what vectorised firm state buys (benchmarks/test_bench_model.py).
Dynamics match ``diffusion_step`` with one domain, mean-field influence and no cost.
"""

from __future__ import annotations

import mesa


class FirmAgent(mesa.Agent):
    def __init__(self, model: PerAgentBass, adopted: bool) -> None:
        super().__init__(model)
        self.adopted = adopted

    def step(self) -> None:
        if not self.adopted and self.model.random.random() < self.model.hazard:
            self.next_adopted = True


class PerAgentBass(mesa.Model):
    def __init__(self, n: int, p: float, q: float, seed_share: float, seed: int) -> None:
        super().__init__(rng=seed)
        self.p, self.q, self.n = p, q, n
        for _ in range(n):
            FirmAgent(self, self.random.random() < seed_share)
        self.hazard = 0.0

    def step(self) -> None:
        share = sum(a.adopted for a in self.agents) / self.n
        self.hazard = self.p + self.q * share
        self.agents.do("step")
        for a in self.agents:
            if getattr(a, "next_adopted", False):
                a.adopted = True
