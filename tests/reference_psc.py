"""A slow, high-precision reference for LIF neurons with exponential and alpha
postsynaptic currents (one neuron).  It shares no code with clif.

Model (ms, mV, nA, MOhm):  tau_m V' = -(V - E_L) + R_m (I_e + I_step + I_ex + I_in)
  psc_exp:   I_x' = -I_x / tau_x;              a pulse w on port x: I_x += w
  psc_alpha: I_x' = -I_x / tau_x + J_x,
             J_x' = -J_x / tau_x;              a pulse w on port x: J_x += w e / tau_x
Port: given explicitly (0 = ex, 1 = in) or by sign (w >= 0 -> ex).  V >= V_th
fires; V is held at V_reset on [t*, t* + t_ref) while the currents keep
decaying and receiving pulses.  Time is the half-open [0, t_stop).

Method
------
Propagation.  Between events the state y = (V, I_ex[, J_ex], I_in[, J_in], 1)
obeys y' = A y with a constant upper-triangular matrix A (the last, constant
component carries the drive E_L + R_m (I_e + I_step)).  It is propagated with
the matrix exponential expm(A h), computed here by scaling and squaring of a
Taylor polynomial (terms until the remainder is below 2^-200) in exact
fixed-point integer arithmetic (resolution 2^-192; the entries of A are
rounded once at mp.dps = 50).  No closed form of V is used, so tau_syn ==
tau_m and tau_syn ~ tau_m need no special case and lose no digits.
(mpmath.expm gives the same matrices -- the self-check compares them -- but
takes ~30 ms a call, too slow for randomized tests.)  Squaring also gives
expm(A H / 2^k) for every k: the dyadic levels that the search below uses.

Crossing search, per interval [a, b] between events (V(a) < V_th), by dyadic
bisection of the interval, left half first.  A sub-interval of length h with
end states y(a), y(b) is
  * certified free of crossings if
      (C1)  max(V(a), sup V_inf) < V_th   (V_inf = E_L + R_m * total current:
            V' = (V_inf - V)/tau_m, so V cannot rise above max(V(a), sup V_inf)),
      or
      (C2)  max(V(a), V(b)) + M2 h^2 / 8 < V_th   with M2 >= sup |V''|
            (a function whose |f''| <= M2 exceeds its chord by at most M2 h^2/8);
    the bounds use only the state at the ends: I_ex, I_in decay monotonically
    (psc_exp), or I = (I(a) + J(a) s) e^{-s/tau} with e^{-s/tau} in
    [1 - h/tau, 1] (psc_alpha); V lies in hull(V(a), V_inf range) (comparison
    principle); |V'| <= |V_inf - V|/tau_m; |V''| = |R_m I' - V'| / tau_m.
    They are evaluated in floating point from the exact states and inflated
    by 1e-12 relative, far above the rounding of the few operations.
  * shown to hold exactly one crossing if V(b) >= V_th and V' > 0 on it
    (V'(a) - M2 h > 0 or V'(b) - M2 h > 0).  That crossing is bracketed by
    bisection through the dyadic levels (exact integer comparisons against
    V_th) down to a cell with |A| h <= 2^-8, then located by bracketed
    Newton on the Taylor polynomial of V about the cell's left end
    (V(a + s) = sum_n (A^n y(a))_V s^n / n!, terms until the remainder is
    below 2^-200, the remainder bounded by the tail of |A|^n |y| h^n / n!),
    and certified: V < V_th at s - 2.5e-26 and V >= V_th at s + 2.5e-26,
    each by more than the remainder bound.  The right end is returned.
  * split in two otherwise (after 400 levels a RuntimeError: never seen).
So no crossing is missed: every part of the interval is either certified
free or searched, in time order.  The cost is a few states per interval
plus ~10 ms per spike.

Also returned per spike: the slope V'(t*) [mV/ms], which sizes the double
precision error of any simulator's crossing time (~ rounding in V / V').
"""
import math

import mpmath as mp

P = 192                    # fixed point: x is stored as round(x * 2^P)
ONE = 1 << P
_DPS = 50
_SLACK = 1e-12             # relative inflation of the float bounds
_ROOT_WIDTH = mp.mpf("1e-25")
_MAX_DEPTH = 400


def _fix(x):
    return int(mp.nint(mp.ldexp(mp.mpf(x), P)))


def _flt(i):
    """A fixed-point integer as a float (correctly rounded)."""
    return math.ldexp(float(i), -P)


def _mp(i):
    return mp.ldexp(mp.mpf(i), -P)


# ---- fixed-point upper-triangular linear algebra -------------------------------

def _matmul(X, Y):
    n = len(X)
    Z = [[0] * n for _ in range(n)]
    for i in range(n):
        Xi, Zi = X[i], Z[i]
        for j in range(i, n):
            s = 0
            for m in range(i, j + 1):
                s += Xi[m] * Y[m][j]
            Zi[j] = s >> P
    return Z


def _matvec(E, y):
    n = len(y)
    return [sum(E[i][j] * y[j] for j in range(i, n)) >> P for i in range(n)]


def _norm_inf(A):
    return max(mp.fsum(abs(a) for a in row) for row in A)


def expm_fixed(A, h):
    """expm(A h) for an upper-triangular matrix A (list of rows of mpf), as
    rows of mpf (for the self-check against mpmath.expm)."""
    with mp.workdps(_DPS):
        E = _Levels([[mp.mpf(a) for a in row] for row in A], mp.mpf(h)).level(0)
        return [[_mp(e) for e in row] for row in E]


def _taylor(A, h, K, norm):
    """expm(A h / 2^K) by its Taylor polynomial, remainder < 2^-(P+8);
    norm = |A|_inf."""
    n = len(A)
    s = mp.ldexp(mp.mpf(h), -K)
    r = norm * s
    X = [[_fix(A[i][j] * s) if j >= i else 0 for j in range(n)] for i in range(n)]
    # number of terms: r^N/N! (times a geometric factor) below 2^-(P+8)
    N, term, tiny = 0, mp.mpf(1), mp.ldexp(mp.mpf(1), -(P + 8))
    while term > tiny or N < 2:
        N += 1
        term *= r / N
    I = [[ONE if i == j else 0 for j in range(n)] for i in range(n)]
    T = [row[:] for row in I]
    for j in range(N, 0, -1):  # Horner: T = I + X T / j
        XT = _matmul(X, T)
        T = [[(I[a][b] + XT[a][b] // j) if b >= a else 0 for b in range(n)] for a in range(n)]
    return T


class _Levels:
    """expm(A H / 2^k) for k = 0, 1, 2, ... (computed lazily: a Taylor
    polynomial at the deepest level, squared up)."""

    def __init__(self, A, H, norm=None):
        self.A, self.H = A, H
        self.norm = _norm_inf(A) if norm is None else norm
        x = self.norm * H
        K = 0
        while x > mp.ldexp(1, -8):
            x /= 2
            K += 1
        self.E = {}
        self._fill(K, 0)

    def _fill(self, K, top):
        T = _taylor(self.A, self.H, K, self.norm)
        self.E[K] = T
        for k in range(K - 1, top - 1, -1):
            T = _matmul(T, T)
            self.E[k] = T
        self.deepest = K

    def level(self, k):
        if k > self.deepest:
            self._fill(k + 16, self.deepest + 1)
        return self.E[k]


# ---- the neuron ---------------------------------------------------------------------

class _Neuron:
    def __init__(self, model, tau_m, R_m, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in,
                 I_e):
        if model not in ("psc_exp", "psc_alpha"):
            raise ValueError(f"model must be 'psc_exp' or 'psc_alpha'; got {model!r}")
        self.model = model
        self.alpha = model == "psc_alpha"
        f = mp.mpf
        self.tau_m, self.R, self.E_L, self.V_th = f(tau_m), f(R_m), f(E_L), f(V_th)
        self.V_reset, self.t_ref, self.I_e = f(V_reset), f(t_ref), f(I_e)
        self.tau = (f(tau_syn_ex), f(tau_syn_in))
        for name, v in (("tau_m", self.tau_m), ("tau_syn_ex", self.tau[0]),
                        ("tau_syn_in", self.tau[1])):
            if not v > 0:
                raise ValueError(f"{name} must be > 0")
        # state indices
        if self.alpha:
            self.iI, self.iJ, self.n = (1, 3), (2, 4), 6
        else:
            self.iI, self.iJ, self.n = (1, 2), None, 4
        self.Vth_fix = _fix(self.V_th)
        self.Vreset_fix = _fix(self.V_reset)
        self.tau_f = tuple(float(t) for t in self.tau)
        self.tau_m_f = float(self.tau_m)
        self.R_f = float(self.R)
        self._A = {}
        self._lv = {}

    def matrix(self, Ic):
        """The augmented system matrix for step current Ic (list of rows)."""
        key = Ic
        if key not in self._A:
            n, z = self.n, mp.mpf(0)
            A = [[z] * n for _ in range(n)]
            A[0][0] = -1 / self.tau_m
            for x in (0, 1):
                A[0][self.iI[x]] = self.R / self.tau_m
                A[self.iI[x]][self.iI[x]] = -1 / self.tau[x]
                if self.alpha:
                    A[self.iI[x]][self.iJ[x]] = mp.mpf(1)
                    A[self.iJ[x]][self.iJ[x]] = -1 / self.tau[x]
            A[0][n - 1] = (self.E_L + self.R * (self.I_e + Ic)) / self.tau_m
            Afix = [_fix(a) for a in A[0]]
            drive_u = float(self.E_L + self.R * (self.I_e + Ic) - self.V_th)
            self._A[key] = (A, Afix, drive_u, [[_fix(a) for a in row] for row in A],
                            _norm_inf(A))
        return self._A[key]

    def levels(self, Ic, H):
        key = (Ic, H)
        if key not in self._lv:
            if len(self._lv) > 256:
                self._lv.clear()
            m = self.matrix(Ic)
            self._lv[key] = _Levels(m[0], H, m[4])
        return self._lv[key]

    def dV(self, Ic, y):
        """V' [mV/ms] at state y, as a float."""
        Afix = self.matrix(Ic)[1]
        return _flt(sum(a * v for a, v in zip(Afix, y)) >> P)

    # -- bounds on a sub-interval of length h (float h_up >= h) --
    def _current_range(self, ya, yb, x, h_up):
        """(lo, hi, sup|I'|) of port x's current on the sub-interval [nA, nA/ms]."""
        i = self.iI[x]
        Ia, Ib = _flt(ya[i]), _flt(yb[i])
        tau = self.tau_f[x]
        if not self.alpha:
            lo, hi = min(Ia, Ib), max(Ia, Ib)
            d = abs(Ia) / tau
        else:
            Ja = _flt(ya[self.iJ[x]])
            X0, X1 = Ia, Ia + Ja * h_up
            xlo, xhi = min(X0, X1), max(X0, X1)
            elo = max(0.0, 1.0 - h_up / tau)
            lo = min(xlo * elo, xlo)
            hi = max(xhi * elo, xhi)
            lo = min(lo, Ib)
            hi = max(hi, Ib)
            d = max(abs(lo), abs(hi)) / tau + abs(Ja)
        m = max(abs(Ia), abs(Ib), abs(lo), abs(hi)) + abs(d) * h_up
        s = _SLACK * m + 1e-300
        return lo - s, hi + s, d * (1 + _SLACK) + s

    def _bounds(self, Ic, ya, yb, h_up):
        """(sup (V_inf - V_th), sup |V''|) on the sub-interval, V in the
        coordinate u = V - V_th."""
        drive_u = self.matrix(Ic)[2]
        R = self.R_f
        lo_t = hi_t = 0.0
        d_t = 0.0
        for x in (0, 1):
            lo, hi, d = self._current_range(ya, yb, x, h_up)
            lo_t += lo
            hi_t += hi
            d_t += d
        mag = abs(drive_u) + R * (abs(lo_t) + abs(hi_t))
        uinf_lo = drive_u + R * lo_t - _SLACK * mag
        uinf_hi = drive_u + R * hi_t + _SLACK * mag
        ua = _flt(ya[0] - self.Vth_fix)
        u_lo, u_hi = min(ua, uinf_lo), max(ua, uinf_hi)
        dv = max(uinf_hi - u_lo, u_hi - uinf_lo) / self.tau_m_f
        dv = dv * (1 + _SLACK) + _SLACK * (abs(u_lo) + abs(u_hi) + mag) / self.tau_m_f
        M2 = (R * d_t + dv) / self.tau_m_f
        return uinf_hi, M2 * (1 + _SLACK) + 1e-300

    def certified_below(self, Ic, ya, yb, h):
        """True if V < V_th on the whole sub-interval is proven."""
        h_up = float(h) * (1 + 1e-15)
        uinf_hi, M2 = self._bounds(Ic, ya, yb, h_up)
        ua = _flt(ya[0] - self.Vth_fix)
        ub = _flt(yb[0] - self.Vth_fix)
        if max(ua, uinf_hi) < 0:  # C1 (ua < 0 is exact: sign kept by rounding)
            return True
        top = max(ua, ub) * (1 - 1e-15)  # negative: moved towards 0
        return top + M2 * h_up * h_up / 8 < 0  # C2

    def certified_rising(self, Ic, ya, yb, h):
        """True if V' > 0 on the whole sub-interval is proven."""
        h_up = float(h) * (1 + 1e-15)
        _, M2 = self._bounds(Ic, ya, yb, h_up)
        d = max(self.dV(Ic, ya), self.dV(Ic, yb))
        return d * (1 - 1e-12) - 1e-300 > M2 * h_up

    # -- the crossing search --
    def first_crossing(self, Ic, H, y0, y1):
        """The first time offset in (0, H] where V >= V_th, as
        (offset, state there, slope), or None; V(0) < V_th."""
        lv = self.levels(Ic, H)
        stack = [(0, 0, y0, y1)]  # (level, index, y at left, y at right); left first
        while stack:
            k, idx, ya, yb = stack.pop()
            h = mp.ldexp(H, -k)
            if yb[0] >= self.Vth_fix:
                if self.certified_rising(Ic, ya, yb, h):
                    return self._bisect(Ic, lv, k, idx, ya, H)
            elif self.certified_below(Ic, ya, yb, h):
                continue
            if k >= _MAX_DEPTH:
                raise RuntimeError("reference_psc: crossing search did not resolve "
                                   f"(interval {H}, depth {k})")
            ym = _matvec(lv.level(k + 1), ya)
            stack.append((k + 1, 2 * idx + 1, ym, yb))
            stack.append((k + 1, 2 * idx, ya, ym))
        return None

    def _bisect(self, Ic, lv, k, idx, ya, H):
        """The crossing in the sub-interval (level k, index idx) with left
        state ya, where V(left) < V_th <= V(right) and V' > 0."""
        # halve through the levels already computed ...
        while k < lv.deepest:
            ym = _matvec(lv.level(k + 1), ya)
            k += 1
            if ym[0] >= self.Vth_fix:
                idx = 2 * idx
            else:
                idx, ya = 2 * idx + 1, ym
        # ... then, where |A| h <= 2^-8, polish on the Taylor polynomial of the
        # state about the left end (y(a + s) = sum_n A^n y(a) s^n / n!) with a
        # bound on its remainder.
        h = mp.ldexp(H, -k)
        Afix = self.matrix(Ic)[3]
        r = self.matrix(Ic)[4] * h
        ynorm = max(abs(_mp(v)) for v in ya)
        N, term, tiny = 0, ynorm, mp.ldexp(mp.mpf(1), -(P + 8))
        while term > tiny or N < 2:
            N += 1
            term *= r / N
        rho = 2 * term + mp.ldexp(mp.mpf(N + 2), -P)  # remainder + rounding of the terms
        vs = [ya]
        for _ in range(N):
            vs.append(_matvec(Afix, vs[-1]))
        c = [_mp(v[0]) / mp.factorial(n) for n, v in enumerate(vs)]
        Vth = self.V_th

        def p(s):
            acc = mp.mpf(0)
            for cn in reversed(c):
                acc = acc * s + cn
            return acc - Vth

        def dp(s):
            acc = mp.mpf(0)
            for n in range(N, 0, -1):
                acc = acc * s + n * c[n]
            return acc

        # rounding of the evaluation at _DPS digits
        rho += mp.ldexp(abs(Vth) + mp.fsum(abs(cn) * h ** n for n, cn in enumerate(c)), -150)
        lo, hi, s = mp.mpf(0), h, h / 2
        for _ in range(200):  # bracketed Newton
            ps = p(s)
            if ps >= 0:
                hi = s
            else:
                lo = s
            d = dp(s)
            s_new = s - ps / d if d > 0 else (lo + hi) / 2
            if not lo <= s_new <= hi:
                s_new = (lo + hi) / 2
            done = abs(s_new - s) < _ROOT_WIDTH / 16 or hi - lo < _ROOT_WIDTH / 4
            s = s_new
            if done:
                break
        # a certified bracket of width _ROOT_WIDTH/2 around s (V(0) < V_th
        # <= V(h) are exact integer facts)
        lo, hi = max(mp.mpf(0), s - _ROOT_WIDTH / 4), min(h, s + _ROOT_WIDTH / 4)
        if not ((lo == 0 or p(lo) + rho < 0) and (hi == h or p(hi) - rho >= 0)):
            raise RuntimeError("reference_psc: root polishing failed")
        # the state at hi, from the same series (fixed point)
        sf = _fix(hi / h)  # s as a fraction of h, so that the powers stay small
        hf = [_fix(mp.ldexp(h, 0) ** n / mp.factorial(n)) for n in range(N + 1)]
        yhi = [0] * self.n
        for n in range(N, -1, -1):
            w = [(v * hf[n]) >> P for v in vs[n]]
            yhi = [((a * sf) >> P) + b for a, b in zip(yhi, w)]
        off = mp.ldexp(H * idx, -k) + hi
        return off, yhi, self.dV(Ic, yhi)


class Result:
    """spikes: spike times (mpf, ms); slopes: V'(t*) [mV/ms] per spike (inf
    for a spike at t = 0 from V0 >= V_th); samples: (V, I_ex, I_in) as mpf
    per sample time."""

    def __init__(self):
        self.spikes, self.slopes, self.samples = [], [], []

    def __repr__(self):
        return f"Result(spikes={[float(t) for t in self.spikes]})"


def run_psc_reference(t_stop, *, model="psc_exp", tau_m=20.0, R_m=20.0, E_L=-70.0,
                      V_th=-50.0, V_reset=-70.0, t_ref=2.0, tau_syn_ex=0.5, tau_syn_in=0.5,
                      I_e=0.0, V0=None, pulses=(), changes=(), sample_times=()):
    """Simulate one neuron over [0, t_stop).

    pulses: (t, w) or (t, w, port) tuples in any order (port 0 = ex, 1 = in;
    without it w >= 0 -> ex, w < 0 -> in); changes: (t, I) pairs, the step
    current I [nA] from t on (0 before the first; later ones at equal times
    win); sample_times: times in [0, t_stop] where (V, I_ex, I_in) are
    recorded, before the events at that time.  Returns a :class:`Result`.
    """
    with mp.workdps(_DPS):
        return _run(t_stop, model, tau_m, R_m, E_L, V_th, V_reset, t_ref, tau_syn_ex,
                    tau_syn_in, I_e, V0, pulses, changes, sample_times)


def _run(t_stop, model, tau_m, R_m, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in, I_e,
         V0, pulses, changes, sample_times):
    nr = _Neuron(model, tau_m, R_m, E_L, V_th, V_reset, t_ref, tau_syn_ex, tau_syn_in, I_e)
    f = mp.mpf
    t_stop = f(t_stop)
    res = Result()
    kick = {}  # time -> list of (state index, fixed-point increment)
    for p in pulses:
        t, w = f(p[0]), f(p[1])
        port = int(p[2]) if len(p) > 2 else (0 if w >= 0 else 1)
        if port not in (0, 1):
            raise ValueError("port must be 0 or 1")
        if not 0 <= t < t_stop:
            continue
        if nr.alpha:
            kick.setdefault(t, []).append((nr.iJ[port], _fix(w * mp.e / nr.tau[port])))
        else:
            kick.setdefault(t, []).append((nr.iI[port], _fix(w)))
    step = {}
    for t, I in changes:
        if 0 <= f(t) < t_stop:
            step[f(t)] = f(I)
    samples = [f(s) for s in sample_times]
    if any(s > t_stop or s < 0 for s in samples) or samples != sorted(samples):
        raise ValueError("sample_times must be sorted and lie in [0, t_stop]")
    events = sorted(set(kick) | set(step) | set(s for s in samples if s < t_stop))
    events.append(t_stop)

    y = [0] * nr.n
    y[0] = _fix(E_L if V0 is None else V0)
    y[-1] = ONE
    Ic = f(0)
    t = f(0)
    ref_end = None
    si = 0
    while si < len(samples) and samples[si] == 0:  # before the spike at 0, if any
        res.samples.append(tuple(_mp(y[i]) for i in (0,) + nr.iI))
        si += 1
    if y[0] >= nr.Vth_fix:
        res.spikes.append(t)
        res.slopes.append(math.inf)
        y[0] = nr.Vreset_fix
        if nr.t_ref > 0:
            ref_end = nr.t_ref
    for b in events:
        while t < b:
            if ref_end is not None:
                e = min(ref_end, b)
                y = _matvec(nr.levels(Ic, e - t).level(0), y)
                y[0] = nr.Vreset_fix  # V held; the currents evolve
                t = e
                if t == ref_end:
                    ref_end = None
                continue
            H = b - t
            lv = nr.levels(Ic, H)
            y1 = _matvec(lv.level(0), y)
            hit = nr.first_crossing(Ic, H, y, y1)
            if hit is not None and t + hit[0] < t_stop:
                off, ys, slope = hit
                t = t + off
                res.spikes.append(t)
                res.slopes.append(slope)
                y = ys
                y[0] = nr.Vreset_fix
                if nr.t_ref > 0:
                    ref_end = t + nr.t_ref
                continue
            y, t = y1, b
        # samples at b see the state before the events at b
        while si < len(samples) and samples[si] == b:
            res.samples.append(tuple(_mp(y[i]) for i in (0,) + nr.iI))
            si += 1
        if b >= t_stop:
            break
        if b in step:
            Ic = step[b]
        for i, dw in kick.get(b, ()):
            y[i] += dw
    assert si == len(samples)
    return res


def simulate_psc_reference(t_stop, **kwargs):
    """Spike times [ms] (mpf) of one neuron over [0, t_stop); keywords as for
    :func:`run_psc_reference` (model, tau_m, R_m, E_L, V_th, V_reset, t_ref,
    tau_syn_ex, tau_syn_in, I_e, V0, pulses, changes)."""
    return run_psc_reference(t_stop, **kwargs).spikes


def psc_reference_state(sample_times, t_stop=None, **kwargs):
    """(V, I_ex, I_in) [mV, nA, nA] (mpf) at each of the sorted
    ``sample_times``, before the events at that time (V_reset while
    refractory); ``t_stop`` defaults to just past the last sample."""
    sample_times = list(sample_times)
    if t_stop is None:
        t_stop = (max(sample_times) if sample_times else 0.0) + 1.0
    return run_psc_reference(t_stop, sample_times=sample_times, **kwargs).samples
