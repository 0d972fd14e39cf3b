"""The cortical microcircuit of Potjans & Diesmann (2014) on :class:`clif.Network`.

The model as in NEST's ``pynest/examples/Potjans_2014`` (network_params.py,
helpers.py; NEST 3): 8 populations (L2/3E, L2/3I, L4E, L4I, L5E, L5I, L6E,
L6I), 77,169 neurons and ~2.99e8 synapses at full scale, ``psc_exp``
neurons (tau_m 10 ms, C_m 250 pF, tau_syn 0.5 ms, E_L = V_reset = -65 mV,
V_th = -50 mV, t_ref 2 ms), fixed total synapse numbers per projection
(multapses and autapses allowed), normal weights and delays.

Numbers of synapses: for a projection with connection probability ``p``
between populations of sizes ``N_post``, ``N_pre`` (full scale),
``K = log(1 - p) / log(1 - 1 / (N_post N_pre))`` (eq. 1 of the paper: the
number of independent draws that gives the probability ``p`` of at least one
synapse between a pair), then ``round(K * scale * k_scale)``: scaling the
neurons by ``scale`` keeps the in-degrees; ``k_scale < 1`` reduces them and
is compensated by weights ``/ sqrt(k_scale)`` and a DC current that restores
the mean input of the full model at the published full-scale rates (NEST's
``adjust_weights_and_input_to_synapse_scaling``).

Memory: 10 bytes per synapse (CSR: int32 target, float32 weight, uint16
delay index) and ~8 bytes per neuron for the CSR rows plus the neuron state
of :class:`clif.Network`; the build peaks at ~24 bytes per synapse (the COO
arrays of one projection at a time are appended to preallocated arrays of
14 bytes per synapse, then converted to CSR): ~7 GB at full scale.
"""
import sys
import time

import numpy as np

from clif import _network

__all__ = ["microcircuit", "MICROCIRCUIT", "REFERENCE_RATES", "compare_rates",
           "population_rates", "num_synapses_from_conn_probs"]

POPULATIONS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")

#: Parameters of the published model (NEST's network_params.py / stimulus_params.py).
MICROCIRCUIT = dict(
    populations=POPULATIONS,
    full_num_neurons=np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]),
    # rows: postsynaptic, columns: presynaptic
    conn_probs=np.array([
        [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
        [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
        [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
        [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
        [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
        [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
        [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
        [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]]),
    K_ext=np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]),
    bg_rate=8.0,              # Hz
    PSP_exc_mean=0.15,        # mV
    weight_rel_std=0.1,
    g=-4.0,
    delay_exc_mean=1.5,       # ms
    delay_inh_mean=0.75,      # ms
    delay_rel_std=0.5,
    # the full-scale rates NEST's example uses for the k_scale compensation [Hz]
    full_mean_rates=np.array([0.943, 3.026, 4.368, 5.882, 7.733, 8.664, 1.096, 7.851]),
    V0_mean=np.array([-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]),
    V0_std=np.array([5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]),
    neuron=dict(C_m=0.25, tau_m=10.0, t_ref=2.0, E_L=-65.0, V_reset=-65.0, V_th=-50.0,
                tau_syn=0.5),
    # thalamic input (stimulus_params.py)
    num_th_neurons=902,
    conn_probs_th=np.array([0.0, 0.0, 0.0983, 0.0619, 0.0, 0.0, 0.0512, 0.0196]),
    th_rate=120.0, th_start=700.0, th_duration=10.0, PSP_th=0.15,
    delay_th_mean=1.5, delay_th_rel_std=0.5,
)

#: Published full-scale rates [Hz], Poisson input (Potjans & Diesmann 2014, Fig. 6 /
#: the values quoted in issue 19), and those of NEST's example's README run
#: (``full_mean_rates``, the values its k_scale compensation uses).
REFERENCE_RATES = {
    "published": dict(zip(POPULATIONS, (0.97, 2.87, 4.75, 5.40, 8.14, 9.08, 0.99, 7.52))),
    "nest_example": dict(zip(POPULATIONS, MICROCIRCUIT["full_mean_rates"].tolist())),
}


def num_synapses_from_conn_probs(p, n_post, n_pre):
    """Expected total synapse number per projection [post, pre] giving the
    connection probability ``p`` with multapses (eq. 1 of Potjans &
    Diesmann 2014)."""
    prod = np.outer(np.asarray(n_post, float), np.asarray(n_pre, float))
    return np.log1p(-np.asarray(p, float)) / np.log1p(-1.0 / prod)


def _truncated_normal(rng, mean, std, lo, hi, size):
    """Normal draws redrawn until in [lo, hi] (NEST's ``nest.math.redraw``)."""
    x = rng.normal(mean, std, size)
    bad = np.flatnonzero((x < lo) | (x > hi))
    for _ in range(1000):
        if bad.size == 0:
            return x
        x[bad] = rng.normal(mean, std, bad.size)
        bad = bad[(x[bad] < lo) | (x[bad] > hi)]
    raise RuntimeError("truncated normal: too many redraws")


def _progress_stderr(done, total, stage):
    sys.stderr.write(f"\rclif.microcircuit {stage}: {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def microcircuit(scale=1.0, k_scale=1.0, input="poisson", *, seed=None, resolution=0.1,
                 V0="optimized", delay_truncation="redraw", thalamic=False, progress=None):
    """The Potjans & Diesmann (2014) cortical microcircuit as a :class:`clif.Network`.

    Parameters
    ----------
    scale : float
        Fraction of the neurons, in (0, 1] (NEST's ``N_scaling``); in-degrees
        are kept, so the total synapse number scales with it too.
    k_scale : float
        Fraction of the in-degrees, in (0, 1] (NEST's ``K_scaling``); below 1
        the weights grow by ``1 / sqrt(k_scale)`` and a DC current [nA]
        restores the full model's mean input at the published rates.
    input : {"poisson", "dc"}
        External drive: ``K_ext`` Poisson inputs at ``bg_rate`` = 8 Hz per
        neuron (one exact Poisson process of rate ``K_ext * 8`` Hz per neuron,
        weight the 0.15 mV PSP current), or the DC current of the same
        mean, ``bg_rate K_ext tau_syn w_ext`` [nA].
    seed : None, int, SeedSequence or Generator
        Seed of the connectivity, weights, delays, initial V and Poisson input.
    resolution : float
        Delay resolution [ms] (> 0): delays are drawn from the normal
        distribution (1.5 ms excitatory, 0.75 ms inhibitory, relative SD 0.5),
        kept >= ``resolution`` and rounded to a multiple of it.
    V0 : {"optimized", "original"}
        Initial V [mV]: per-population normal (NEST's ``V0_type``:
        "optimized" means/SDs that shorten the start transient, "original"
        -58 +- 10 mV).
    delay_truncation : {"redraw", "clip"}
        Delays below ``resolution`` are redrawn (NEST 3's example) or set to
        ``resolution`` (the original SLI model's clipped normal).
    thalamic : bool or dict
        Thalamic input (NEST's ``thalamic_input``): 902 Poisson spike
        sources (:meth:`clif.Network.add_poisson_source`, population
        ``"TC"``) at 120 Hz in [700, 710) ms onto L4 and L6 (fixed total
        numbers from ``conn_probs_th``, times ``scale * k_scale``; weight
        the 0.15 mV PSP current ``/ sqrt(k_scale)``, SD 10 %; delays
        normal 1.5 ms, relative SD 0.5, redrawn below ``resolution``).  A
        dict overrides ``th_rate`` [Hz], ``th_start`` and ``th_duration``
        [ms].  (NEST's example keeps the full-scale thalamic synapse totals
        at any ``N_scaling``, so its thalamic in-degrees grow as
        ``1 / scale``; clif keeps them, as for every other projection.)
    progress : callable or True, optional
        ``progress(done, total, stage)`` per projection; True prints to stderr.

    Returns
    -------
    Network
        Populations named ``L23E`` ... ``L6I``; ``net.microcircuit_params``
        holds the derived numbers (neurons, synapses [post, pre], weights
        [nA], external rates [Hz] and weight [nA], DC [nA]).

    Notes
    -----
    Weights: normal with mean ``w`` (0.15 mV PSP converted to current by
    :func:`clif.theory.weight_for_psp`; ``g = -4`` times it for inhibitory
    sources; L4E -> L2/3E doubled) and SD ``0.1 |w|``, redrawn when of the
    wrong sign.
    """
    from clif.network import Network, _real
    from clif.theory import weight_for_psp
    P = MICROCIRCUIT
    scale = _real("scale", scale)
    if not (np.isfinite(scale) and 0 < scale <= 1):
        raise ValueError(f"scale must lie in (0, 1]; got {scale}")
    k_scale = _real("k_scale", k_scale)
    if not (np.isfinite(k_scale) and 0 < k_scale <= 1):
        raise ValueError(f"k_scale must lie in (0, 1]; got {k_scale}")
    if input not in ("poisson", "dc"):
        raise ValueError(f"input must be 'poisson' or 'dc'; got {input!r}")
    resolution = _real("resolution", resolution)
    if not (np.isfinite(resolution) and 0 < resolution <= P["delay_inh_mean"]):
        raise ValueError(f"resolution must lie in (0, {P['delay_inh_mean']}] ms; got "
                         f"{resolution}")
    if V0 not in ("optimized", "original"):
        raise ValueError(f"V0 must be 'optimized' or 'original'; got {V0!r}")
    if delay_truncation not in ("redraw", "clip"):
        raise ValueError(f"delay_truncation must be 'redraw' or 'clip'; got "
                         f"{delay_truncation!r}")
    th = None
    if thalamic is not False and thalamic is not None:
        th = {k: P[k] for k in ("th_rate", "th_start", "th_duration")}
        if isinstance(thalamic, dict):
            bad = set(thalamic) - set(th)
            if bad:
                raise ValueError(f"thalamic: unknown keys {sorted(bad)}; valid: {sorted(th)}")
            th.update({k: _real(k, v) for k, v in thalamic.items()})
        elif thalamic is not True:
            raise TypeError(f"thalamic must be a bool or a dict; got {type(thalamic).__name__}")
    if progress is True:
        progress = _progress_stderr
    nrn = P["neuron"]
    full_n = P["full_num_neurons"]
    full_syn = num_synapses_from_conn_probs(P["conn_probs"], full_n, full_n)
    n_pop = np.round(full_n * scale).astype(np.int64)
    if np.any(n_pop < 1):
        raise ValueError(f"scale must leave every population >= 1 neuron; got {scale}")
    n_syn = np.round(full_syn * scale * k_scale).astype(np.int64)
    K_ext = np.round(P["K_ext"] * k_scale).astype(np.int64)
    # One PSP-to-current conversion for the whole project (theory.weight_for_psp).
    psc_per_psp = float(weight_for_psp(1.0, model="psc_exp", tau_syn=nrn["tau_syn"],
                                       tau_m=nrn["tau_m"], C_m=nrn["C_m"]))  # nA / mV
    psp = np.full((8, 8), P["PSP_exc_mean"])
    psp[:, 1::2] *= P["g"]
    psp[0, 2] *= 2.0
    w_mean = psp * psc_per_psp
    w_ext = P["PSP_exc_mean"] * psc_per_psp
    tau_syn = nrn["tau_syn"]
    # DC replacing the Poisson input: the full model's mean external input
    # (full K_ext, unscaled weight: NEST's dc_input_compensating_poisson)
    dc = (np.zeros(8) if input == "poisson"
          else 1e-3 * tau_syn * P["bg_rate"] * P["K_ext"] * w_ext)
    if k_scale != 1.0:
        # Keep the mean input of the full model at its published rates.
        indeg = full_syn / full_n[:, None]
        rec = np.sum(w_mean * indeg * P["full_mean_rates"], axis=1)
        dc = dc + 1e-3 * tau_syn * (1.0 - np.sqrt(k_scale)) * rec
        if input == "poisson":
            dc = dc + 1e-3 * tau_syn * (1.0 - np.sqrt(k_scale)) * w_ext * P["K_ext"] * \
                P["bg_rate"]
        w_mean = w_mean / np.sqrt(k_scale)
        w_ext = w_ext / np.sqrt(k_scale)
    ext_rate = P["bg_rate"] * K_ext if input == "poisson" else np.zeros(8)

    net = Network(seed=seed, d_min=resolution)
    rng = np.random.default_rng(np.random.SeedSequence(net.seed, spawn_key=(19,)))
    v_mu, v_sd = ((P["V0_mean"], P["V0_std"]) if V0 == "optimized"
                  else (np.full(8, -58.0), np.full(8, 10.0)))
    for k, name in enumerate(POPULATIONS):
        n = int(n_pop[k])
        net.add_population(n, model="psc_exp", name=name, C_m=nrn["C_m"], tau_m=nrn["tau_m"],
                           E_L=nrn["E_L"], V_th=nrn["V_th"], V_reset=nrn["V_reset"],
                           t_ref=nrn["t_ref"], tau_syn_ex=tau_syn, tau_syn_in=tau_syn,
                           I_e=float(dc[k]), V0=rng.normal(v_mu[k], v_sd[k], n),
                           ext_rate=float(ext_rate[k]), ext_weight=w_ext)
    start = np.concatenate([[0], np.cumsum(n_pop)])
    n_th = np.zeros(8, np.int64)
    if th is not None:
        tc = net.add_poisson_source(P["num_th_neurons"], th["th_rate"], start=th["th_start"],
                                    stop=th["th_start"] + th["th_duration"], name="TC")
        full_th = num_synapses_from_conn_probs(P["conn_probs_th"][:, None], full_n,
                                               [P["num_th_neurons"]])[:, 0]
        n_th = np.round(full_th * scale * k_scale).astype(np.int64)
        w_th = P["PSP_th"] * psc_per_psp / np.sqrt(k_scale)
    m = int(n_syn.sum() + n_th.sum())
    t0 = time.perf_counter()
    pre = np.empty(m, np.int32)
    post = np.empty(m, np.int32)
    w = np.empty(m, np.float32)
    d = np.empty(m, np.uint16)
    k_max = 0
    pos = 0
    done = 0
    def delays(dm, s, rel=P["delay_rel_std"]):
        if delay_truncation == "redraw":
            x = _truncated_normal(rng, dm, dm * rel, resolution, np.inf, s)
        else:
            x = np.maximum(rng.normal(dm, dm * rel, s), resolution)
        steps = np.maximum(np.rint(x / resolution), 1)
        if steps.max() > _network.MAX_DELAYS:
            raise ValueError(f"resolution {resolution} ms gives more than "
                             f"{_network.MAX_DELAYS} distinct delays")
        return steps

    # (post, pre, synapses, mean weight, mean delay, pre indices [lo, hi)); the
    # thalamic sources are presynaptic rows net.n + j (after the neurons')
    proj = [(i, j, int(n_syn[i, j]), w_mean[i, j],
             P["delay_exc_mean"] if j % 2 == 0 else P["delay_inh_mean"], start[j], start[j + 1])
            for i in range(8) for j in range(8)]
    if th is not None:
        proj += [(i, None, int(n_th[i]), w_th, P["delay_th_mean"], net.n,
                  net.n + P["num_th_neurons"]) for i in range(8)]
    n_proj = sum(1 for p in proj if p[2])
    for i, j, s, mu, dm, a, b in proj:
        if s == 0:
            continue
        sl = slice(pos, pos + s)
        pre[sl] = rng.integers(a, b, s, dtype=np.int32)
        post[sl] = rng.integers(start[i], start[i + 1], s, dtype=np.int32)
        lo, hi = (0.0, np.inf) if mu >= 0 else (-np.inf, 0.0)
        w[sl] = _truncated_normal(rng, mu, abs(mu) * P["weight_rel_std"], lo, hi, s)
        steps = delays(dm, s) if j is not None else delays(dm, s, P["delay_th_rel_std"])
        k_max = max(k_max, int(steps.max()))
        d[sl] = (steps - 1).astype(np.uint16)
        del steps
        pos += s
        done += 1
        if progress:
            progress(done, n_proj, "projections")
    # delay index k <-> delay (k + 1) * resolution
    net._delays = {float((k + 1) * resolution): k for k in range(k_max)}
    if progress:
        progress(0, 1, "CSR")
    net._csr = _network.csr_from_coo(net.n + net.n_sources, pre, post, w, d)
    del pre, post, w, d
    if progress:
        progress(1, 1, "CSR")
    net.build_time = time.perf_counter() - t0
    net.microcircuit_params = dict(
        scale=scale, k_scale=k_scale, input=input, resolution=resolution, V0=V0,
        delay_truncation=delay_truncation, num_neurons=n_pop, num_synapses=n_syn,
        thalamic=th, num_th_synapses=n_th,
        full_num_synapses=full_syn, K_ext=K_ext, weight_mean=w_mean, w_ext=w_ext,
        ext_rate=ext_rate, I_e=dc, psc_per_psp=psc_per_psp)
    return net


def compare_rates(rates, reference="published"):
    """Table of population rates [Hz] against a reference.

    Parameters
    ----------
    rates : dict
        Population name -> rate [Hz] (e.g. ``result.spikes`` counts / (n T)).
    reference : {"published", "nest_example"} or dict

    Returns
    -------
    list of (name, rate, reference, ratio)
    """
    ref = REFERENCE_RATES[reference] if isinstance(reference, str) else reference
    return [(k, float(rates[k]), float(ref[k]), float(rates[k]) / float(ref[k]))
            for k in POPULATIONS if k in rates]


def population_rates(net, result):
    """Mean rate [Hz] per population over a run's interval, from its
    recorded spikes (``record_spikes="all"``) or, when it has them, its ``rates``
    (``rate_bin``: all neurons count whatever ``record``)."""
    if result.rates is not None:
        w = np.diff(np.append(result.rate_times, result.spikes.t_stop))
        return {k: float(np.sum(v * w) / w.sum()) for k, v in result.rates.items()}
    c = result.spikes.counts()
    T = result.spikes.duration
    return {name: c[r.start:r.stop].sum() / (len(r) * T) * 1000.0
            for name, r in net.populations.items()}
