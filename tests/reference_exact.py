"""A slow, plain-Python reference for the exact simulator (one neuron).

It shares no code with clif: the membrane is propagated over a fine grid of
step ``h`` (k * h from the segment start, never summed), each step with the
exact solution written in a different form from the C kernel's, and a
crossing seen at a grid point is located by bisection.  Under piecewise-
constant drive V is monotone between events, so the grid cannot miss a
crossing; under a sine it can miss an excursion narrower than ``h``.
"""
import math


def simulate_reference(t_stop, *, tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0,
                       t_ref=2.0, I_e=0.0, V0=None, changes=(), pulses=(), sine=None,
                       refractory_input="drop", h=0.01):
    """Spike times [ms] of one neuron over [0, t_stop).

    changes: sorted (time, current) pairs of the piecewise current (0 before
    the first); pulses: (time, weight) pairs, any order; sine: (I0, f, phase,
    I_dc) or None.
    """
    V = E_L if V0 is None else V0
    pulses = sorted(pulses, key=lambda p: p[0])  # stable: same-time order kept
    event_times = sorted({t for t, _ in changes} | {t for t, _ in pulses})
    event_times = [t for t in event_times if t < t_stop] + [t_stop]
    I0, f, ph, I_dc = sine if sine is not None else (0.0, 0.0, 0.0, 0.0)
    w = 2.0 * math.pi * f / 1000.0

    def free(Ic, t0, V_start, t1):
        Vinf = E_L + R_m * (I_e + Ic + I_dc + (I0 * math.sin(ph) if w == 0.0 else 0.0))
        if w == 0.0 or I0 == 0.0:
            return Vinf + (V_start - Vinf) * math.exp(-(t1 - t0) / tau_m)
        wt = w * tau_m

        def vp(t):
            x = w * t + ph
            return Vinf + R_m * I0 * (math.sin(x) - wt * math.cos(x)) / (1.0 + wt * wt)
        return vp(t1) + (V_start - vp(t0)) * math.exp(-(t1 - t0) / tau_m)

    spikes = []
    t = 0.0
    ref_end = -math.inf
    acc = 0.0
    Ic = 0.0
    if V >= V_th:
        spikes.append(0.0)
        ref_end, V = t_ref, V_reset
    ci = pi = 0
    for b in event_times:
        while t < b:
            if t < ref_end:
                t = min(ref_end, b)
                if t == ref_end:
                    V, acc = V_reset + acc, 0.0
                    if V >= V_th:
                        spikes.append(t)
                        ref_end, V = t + t_ref, V_reset
                continue
            t0, V_start = t, V
            k, tc = 1, None
            t_prev = t0
            while True:
                tn = min(t0 + k * h, b)
                Vn = free(Ic, t0, V_start, tn)
                if Vn >= V_th:
                    lo, hi = t_prev, tn
                    for _ in range(200):
                        mid = 0.5 * (lo + hi)
                        if mid <= lo or mid >= hi:
                            break
                        if free(Ic, t0, V_start, mid) >= V_th:
                            hi = mid
                        else:
                            lo = mid
                    tc = hi
                    break
                if tn >= b:
                    break
                t_prev = tn
                k += 1
            if tc is not None and tc < b:
                spikes.append(tc)
                t, ref_end, V = tc, tc + t_ref, V_reset
                if t_ref == 0:
                    ref_end = -math.inf
                continue
            V, t = free(Ic, t0, V_start, b), b
        if b >= t_stop:
            break
        # events at b: current changes, then all pulses summed, then threshold
        while ci < len(changes) and changes[ci][0] == b:
            Ic = changes[ci][1]
            ci += 1
        total = 0.0
        any_pulse = False
        while pi < len(pulses) and pulses[pi][0] == b:
            any_pulse = True
            if b < ref_end:
                if refractory_input == "integrate":
                    acc += pulses[pi][1] * math.exp(-(ref_end - b) / tau_m)
            else:
                total += pulses[pi][1]
            pi += 1
        if any_pulse and not b < ref_end:
            V += total
            if V >= V_th:
                spikes.append(b)
                ref_end, V = b + t_ref, V_reset
                if t_ref == 0:
                    ref_end = -math.inf
    return spikes
