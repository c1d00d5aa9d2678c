"""R's Mersenne-Twister `set.seed()` and `sample()` (R >= 3.6, sample.kind = "Rejection"),
re-implemented from R's src/main/RNG.c and src/main/random.c so that a published R example
that draws a random subsample (DRDID's `set.seed(123); sample(ids, 5000)`) can be rebuilt here.
Checked: `set.seed(123); runif(3)` = 0.2875775 0.7883051 0.4089769 and `set.seed(42);
sample(10, 3)` = 1 5 10, as printed by R.  `norm()` is R's default normal generator
(normal.kind = "Inversion", src/main/snorm.c: u = (int)(2^27 u1) + u2, then qnorm(u / 2^27));
it rebuilds DRDID's `sim_rc` (data-raw/sim_rc.R, set.seed(1234)) to 3e-13 of the shipped file.
"""

import math


class RMersenne:
    """R's Mersenne-Twister as seeded by set.seed(seed) (R >= 3.6, sample.kind='Rejection')."""
    N, M = 624, 397
    def __init__(self, seed):
        s = seed & 0xFFFFFFFF
        for _ in range(50):
            s = (69069 * s + 1) & 0xFFFFFFFF
        vals = []
        for _ in range(625):
            s = (69069 * s + 1) & 0xFFFFFFFF
            vals.append(s)
        self.mt = vals[1:]
        self.mti = self.N
    def _gen(self):
        N, M, mt = self.N, self.M, self.mt
        if self.mti >= N:
            for kk in range(N):
                y = (mt[kk] & 0x80000000) | (mt[(kk + 1) % N] & 0x7fffffff)
                mt[kk] = mt[(kk + M) % N] ^ (y >> 1) ^ (0x9908b0df if y & 1 else 0)
            self.mti = 0
        y = mt[self.mti]; self.mti += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c5680
        y ^= (y << 15) & 0xefc60000
        y ^= y >> 18
        return y * 2.3283064365386963e-10
    def unif(self):
        v = self._gen()
        if v <= 0.0: return 0.5 * 2.328306437080797e-10
        if 1.0 - v <= 0.0: return 1.0 - 0.5 * 2.328306437080797e-10
        return v
    def norm(self):
        """One draw of R's rnorm(1) (inversion; the quantile is scipy's, to ~1e-16)."""
        from scipy.special import ndtri

        big = 134217728  # 2^27: one uniform alone is not precise enough (R's comment)
        u = int(big * self.unif()) + self.unif()
        return float(ndtri(u / big))
    def _rbits(self, bits):
        v = 0
        for _ in range(0, bits + 1, 16):
            v = 65536 * v + int(math.floor(self.unif() * 65536))
        return v & ((1 << bits) - 1)
    def unif_index(self, dn):
        bits = int(math.ceil(math.log2(dn)))
        while True:
            dv = self._rbits(bits)
            if dn > dv: return dv
    def sample(self, n, k):
        x = list(range(n)); out = []
        for _ in range(k):
            j = self.unif_index(n); out.append(x[j]); n -= 1; x[j] = x[n]
        return out  # 0-based
