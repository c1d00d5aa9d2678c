"""R's Mersenne-Twister `set.seed()` and `sample()` (R >= 3.6, sample.kind = "Rejection"),
re-implemented from R's src/main/RNG.c, src/main/random.c and src/nmath/snorm.c so that a published R example
that draws a random subsample (DRDID's `set.seed(123); sample(ids, 5000)`) or simulates its data
(contdid's `simulate_contdid_data`: `sample(prob=)`, `runif`, `rnorm`) can be rebuilt here.
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

    # --- additions for contdid's simulate_contdid_data (R's rnorm, runif, sample(prob=)) ---
    def runif(self, n, a=0.0, b=1.0):
        """R's runif(n, a, b): a + (b - a) * unif_rand(), one draw per value."""
        return [a + (b - a) * self.unif() for _ in range(n)]

    def rnorm(self, n, mean=0.0, sd=1.0):
        """R's rnorm with the default normal.kind "Inversion": two uniforms per draw,
        u = (floor(2^27 * U1) + U2) / 2^27, then qnorm(u) (R's norm_rand, src/nmath/snorm.c).
        ``mean`` may be a scalar or a sequence of length n (R recycles it)."""
        from scipy.special import ndtri
        big = 134217728.0
        out = []
        for i in range(n):
            u = self.unif()
            u = (int(big * u) + self.unif()) / big
            m = mean[i] if hasattr(mean, "__len__") else mean
            out.append(m + sd * float(ndtri(u)))
        return out

    def sample_prob(self, n_values, size, prob):
        """R's sample.int(n_values, size, replace=TRUE, prob=prob) for fewer than 200 likely
        values (R's ProbSampleReplace, src/main/random.c): probabilities sorted decreasingly
        by R's heap sort ``revsort`` (ties in its order), cumulated, then one unif_rand per
        draw, taking the first category whose cumulative probability is >= the draw.
        Returns 0-based category indices."""
        total = float(sum(prob))
        p = [float(v) / total for v in prob]
        perm = list(range(n_values))
        _revsort(p, perm)
        for i in range(1, n_values):
            p[i] += p[i - 1]
        out = []
        for _ in range(size):
            ru = self.unif()
            j = 0
            while j < n_values - 1 and not ru <= p[j]:
                j += 1
            out.append(perm[j])
        return out


def _revsort(a, ib):
    """R's revsort (src/main/sort.c): heap sort of ``a`` into decreasing order, carrying
    ``ib`` along; in place, with R's 1-based indexing emulated by an offset."""
    n = len(a)
    if n <= 1:
        return
    a.insert(0, 0.0); ib.insert(0, 0)
    l_, ir = (n >> 1) + 1, n
    while True:
        if l_ > 1:
            l_ -= 1
            ra, ii = a[l_], ib[l_]
        else:
            ra, ii = a[ir], ib[ir]
            a[ir], ib[ir] = a[1], ib[1]
            ir -= 1
            if ir == 1:
                a[1], ib[1] = ra, ii
                break
        i, j = l_, l_ << 1
        while j <= ir:
            if j < ir and a[j] > a[j + 1]:
                j += 1
            if ra > a[j]:
                a[i], ib[i] = a[j], ib[j]
                i = j
                j += j
            else:
                j = ir + 1
        a[i], ib[i] = ra, ii
    del a[0]; del ib[0]
