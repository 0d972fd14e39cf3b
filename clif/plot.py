"""Figures of the LIF neuron's phenomena (matplotlib, an optional extra).

Every function draws into ``ax`` (a new figure when omitted) and returns the
Axes; ``ax.figure`` is the Figure.  Neuron parameters are the closed forms'
keywords (``tau_m`` [ms], ``C_m`` [nF], ``R_m`` [MOhm], ``E_L``, ``V_th``,
``V_reset`` [mV], ``t_ref`` [ms]).  matplotlib is imported only when a
function is called, so ``import clif`` never needs it.
"""
import numpy as np

from clif import closed_form as cf
from clif.params import resolve


def _axes(ax, figsize=(6.0, 4.0)):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("clif.plot needs matplotlib: pip install clif[plot]") from exc
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _neuron(params):
    """The scalar parameters as a dict (E_L, V_th ... by name)."""
    p = resolve(**params)
    return dict(zip(("tau_m", "R_m", "E_L", "V_th", "V_reset", "t_ref"), p))


def fi_curve(I=None, *, sigma=None, exact=None, noisy=None, ax=None, **params):
    """The f-I curve: closed form, optionally with simulated points and the
    Siegert rate with noise.

    Parameters
    ----------
    I : array_like, optional
        Currents [nA] for the curves; default 0 to 4 x rheobase.
    sigma : float or sequence of float, optional
        Noise amplitudes [mV]: one Siegert curve each (needs ``clif.theory``).
    exact, noisy : (currents [nA], rates [Hz]), optional
        Simulated rates, drawn as markers (e.g. from ``clif.simulate`` and
        ``clif.simulate_noisy``).
    ax : matplotlib Axes, optional
    **params
        Neuron parameters.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    if I is None:
        I = np.linspace(0.0, 4.0 * cf.rheobase(**params), 400)
    I = np.asarray(I, dtype=float)
    ax.plot(I, cf.rate(I, **params), color="k", label="closed form (no noise)")
    if sigma is not None:
        from clif import theory
        for s in np.atleast_1d(sigma):
            ax.plot(I, theory.siegert_rate(I, s, **params), label=f"Siegert, sigma = {s:g} mV")
    if exact is not None:
        ax.plot(*exact, "o", mfc="none", label="exact simulation")
    if noisy is not None:
        ax.plot(*noisy, "s", ms=4, label="noisy simulation")
    ax.axvline(cf.rheobase(**params), color="0.6", ls=":", lw=1, label="rheobase")
    ax.set_xlabel("input current I [nA]")
    ax.set_ylabel("firing rate [Hz]")
    ax.legend(frameon=False, fontsize="small")
    return ax


def trace(t, V, spike_times=(), *, V_th=None, E_L=None, spike_height=20.0, ax=None):
    """A membrane-potential trace with its spikes and the threshold.

    Parameters
    ----------
    t : array_like
        Times [ms].
    V : array_like
        Membrane potential at ``t`` [mV]; shape ``(len(t),)`` or
        ``(len(t), k)`` for k traces.
    spike_times : array_like
        Spike times [ms], drawn as strokes of ``spike_height`` [mV] above
        the threshold (an LIF neuron has no spike shape; this is cosmetic).
    V_th, E_L : float, optional
        Threshold and resting potential [mV], drawn as lines when given.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    ax.plot(t, V, lw=1)
    spike_times = np.asarray(spike_times, dtype=float)
    if spike_times.size:
        base = V_th if V_th is not None else np.max(V)
        ax.vlines(spike_times, base, base + spike_height, color="k", lw=1, label="spikes")
    if V_th is not None:
        ax.axhline(V_th, color="r", ls="--", lw=1, label="threshold V_th")
    if E_L is not None:
        ax.axhline(E_L, color="0.6", ls=":", lw=1, label="rest E_L")
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("V [mV]")
    if spike_times.size or V_th is not None or E_L is not None:
        ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax


def raster(spikes, *, neurons=None, ax=None, **scatter_kw):
    """Spike raster: one dot per spike, time against neuron index.

    Parameters
    ----------
    spikes : clif.Spikes
    neurons : array_like of int, optional
        Only these neurons (renumbered in the given order).
    ax : matplotlib Axes, optional
    **scatter_kw
        Passed to ``ax.scatter`` (default small black dots).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    if neurons is not None:
        spikes = spikes.select(neurons)
    # Ticks read best for a few neurons, dots for many.
    kw = {"s": 12, "marker": "|"} if spikes.n <= 50 else {"s": 2, "marker": "."}
    kw = kw | {"c": "k"} | scatter_kw
    ax.scatter(spikes.times, spikes.senders, **kw)
    ax.set_xlim(spikes.t_start, spikes.t_stop)
    ax.set_ylim(-0.5, max(spikes.n, 1) - 0.5)
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("neuron")
    return ax


def summation(V1, delays, *, tau_m=cf.DEFAULTS["tau_m"], threshold=None, ax=None):
    """Temporal summation: V - E_L after two pulses of ``V1`` [mV], for each
    delay between them, with the closed-form peaks (``clif.summation_peak``).

    Parameters
    ----------
    V1 : float
        Size of each delta pulse [mV].
    delays : array_like
        Times between the two pulses [ms], one curve each.
    tau_m : float
        Membrane time constant [ms].
    threshold : float, optional
        ``V_th - E_L`` [mV], drawn as a line: pairs whose peak passes it fire.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    delays = np.atleast_1d(np.asarray(delays, dtype=float))
    t = np.linspace(-0.1 * tau_m, delays.max() + 3.0 * tau_m, 600)
    for d in delays:
        t_k = np.sort(np.append(t, [0.0, d]))  # the jumps drawn sharp
        v = V1 * np.exp(-t_k / tau_m) * (t_k >= 0) + V1 * np.exp(-(t_k - d) / tau_m) * (t_k >= d)
        line, = ax.plot(t_k, v, lw=1, label=f"{d:g} ms apart")
        ax.plot(d, cf.summation_peak(V1, d, tau_m), "o", color=line.get_color())
    if threshold is not None:
        ax.axhline(threshold, color="r", ls="--", lw=1, label="threshold V_th - E_L")
    ax.set_xlabel("time after the first pulse [ms]")
    ax.set_ylabel("V - E_L [mV]")
    ax.legend(frameon=False, fontsize="small")
    return ax


def psp(J, *, models=("delta", "psc_exp", "psc_alpha"), tau_syn=2.0, t=None, simulated=None,
        ax=None, **membrane):
    """Postsynaptic potentials of the synapse models scaled to the same peak
    ``J`` [mV] (``clif.theory.weight_for_psp``), from the closed form
    ``clif.theory.psp``, with each peak marked and optional simulated points.

    Parameters
    ----------
    J : float
        PSP peak [mV] of every curve.
    models : sequence of {"delta", "psc_exp", "psc_alpha"}
        One curve each.
    tau_syn : float
        Synaptic time constant [ms] of the current models.
    t : array_like, optional
        Times after the pulse [ms] (default -0.05 to 3 ``tau_m``).
    simulated : dict, optional
        ``{model: (t [ms] after the pulse, V - E_L [mV])}``, e.g. from
        ``clif.simulate(..., sample_times=...)``, drawn as markers.
    ax : matplotlib Axes, optional
    **membrane
        ``tau_m`` [ms], ``C_m`` [nF], ``R_m`` [MOhm] (any two; defaults as
        :class:`clif.LIF`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from clif import theory

    ax = _axes(ax)
    tau_m = _neuron(membrane)["tau_m"]
    t = np.linspace(-0.05 * tau_m, 3.0 * tau_m, 600) if t is None else np.asarray(t, float)
    t = np.sort(np.append(t, [0.0, np.nextafter(0.0, -1.0)]))  # the delta jump drawn sharp
    for m in models:
        w = theory.weight_for_psp(J, model=m, tau_syn=tau_syn, **membrane)
        unit = "mV" if m == "delta" else "nA"
        line, = ax.plot(t, theory.psp(t, w, model=m, tau_syn=tau_syn, **membrane), lw=1,
                        label=f"{m}, w = {w:.3g} {unit}")
        ax.plot(theory.psp_peak_time(model=m, tau_syn=tau_syn, **membrane), J, "o",
                color=line.get_color(), ms=4)
        if simulated is not None and m in simulated:
            ax.plot(*simulated[m], "x", ms=4, color=line.get_color())
    ax.set_xlabel("time after the pulse [ms]")
    ax.set_ylabel("V - E_L [mV]")
    ax.legend(frameon=False, fontsize="small")
    return ax


def cutoff(I0, f=None, *, I_dc=0.0, rates=None, ax=None, **params):
    """Low-pass filtering: the steady-state peak of V under
    ``I_dc + I0 sin(2 pi f t)`` against f, the threshold, and the cutoff
    frequency ``clif.cutoff_frequency`` where the two meet.

    Parameters
    ----------
    I0 : float
        Amplitude of the sinusoidal current [nA].
    f : array_like, optional
        Frequencies [Hz] (default 0.1 to 1000, log-spaced).
    I_dc : float
        Constant offset [nA].
    rates : (frequencies [Hz], rates [Hz]), optional
        Simulated firing rates, drawn on a second axis.
    ax : matplotlib Axes, optional
    **params
        Neuron parameters.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    p = _neuron(params)
    f = np.logspace(-1, 3, 300) if f is None else np.asarray(f, dtype=float)
    w = 2e-3 * np.pi * f  # rad/ms
    peak = p["E_L"] + p["R_m"] * I_dc + p["R_m"] * abs(I0) / np.sqrt(1.0 + (w * p["tau_m"]) ** 2)
    ax.semilogx(f, peak, color="k", label="steady-state peak of V")
    ax.axhline(p["V_th"], color="r", ls="--", lw=1, label="threshold V_th")
    fc = cf.cutoff_frequency(I0, I_dc, **params)
    if 0 < fc < np.inf:
        ax.axvline(fc, color="0.4", ls=":", lw=1, label=f"cutoff {fc:.3g} Hz")
    ax.set_xlabel("input frequency f [Hz]")
    ax.set_ylabel("V [mV]")
    ax.legend(frameon=False, fontsize="small", loc="lower left")
    if rates is not None:
        ax2 = ax.twinx()
        ax2.semilogx(*rates, "o", ms=3, color="C1")
        ax2.set_ylabel("simulated rate [Hz]", color="C1")
    return ax


def stochastic_resonance(sigma, response, *, ylabel="response at the drive frequency",
                         ax=None):
    """The stochastic-resonance curve: the output's response at the drive
    frequency against the noise amplitude, with its maximum marked.

    Parameters
    ----------
    sigma : array_like
        Noise amplitudes [mV].
    response : array_like
        The response (power, SNR or vector strength) at each ``sigma``.
    ylabel : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    sigma = np.asarray(sigma, dtype=float)
    response = np.asarray(response, dtype=float)
    ax.plot(sigma, response, "o-", color="k")
    best = int(np.nanargmax(response))
    ax.plot(sigma[best], response[best], "*", ms=14, color="C3",
            label=f"optimal noise ~ {sigma[best]:g} mV")
    ax.set_xlabel("noise amplitude sigma [mV]")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize="small")
    return ax


def population_raster(spikes, populations, *, fraction=1.0, ax=None, seed=0):
    """Raster coloured by population, the first population at the top
    (the microcircuit's layer order, as in Potjans & Diesmann 2014, Fig. 6).

    Parameters
    ----------
    spikes : clif.Spikes
    populations : dict
        Name -> range of global neuron indices (``Network.populations``).
    fraction : float
        Fraction of each population's neurons drawn, in (0, 1] (chosen at
        random with ``seed``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must lie in (0, 1]; got {fraction}")
    ax = _axes(ax, figsize=(6.0, 6.0))
    rng = np.random.default_rng(seed)
    total = spikes.n
    ticks, labels = [], []
    for k, (name, r) in enumerate(populations.items()):
        keep = np.zeros(total, bool)
        idx = np.arange(r.start, r.stop)
        keep[rng.choice(idx, max(1, int(round(fraction * len(idx)))), replace=False)] = True
        sel = keep[spikes.senders]
        y = total - spikes.senders[sel]
        ax.scatter(spikes.times[sel], y, s=1, marker=".", color=f"C{k % 10}")
        ticks.append(total - (r.start + r.stop) / 2)
        labels.append(name)
    ax.set_yticks(ticks, labels)
    ax.set_xlim(spikes.t_start, spikes.t_stop)
    ax.set_xlabel("time [ms]")
    return ax


def population_rates(rates, reference=None, *, ax=None):
    """Bar chart of rates per population [Hz], with reference rates as
    markers (e.g. ``clif.microcircuit.REFERENCE_RATES["published"]``).

    Parameters
    ----------
    rates : dict
        Name -> rate [Hz].
    reference : dict, optional
        Name -> reference rate [Hz].
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    names = list(rates)
    x = np.arange(len(names))
    ax.bar(x, [rates[k] for k in names], color=[f"C{k % 10}" for k in x], label="clif")
    if reference is not None:
        ax.plot(x, [reference.get(k, np.nan) for k in names], "kD", label="reference")
        ax.legend()
    ax.set_xticks(x, names)
    ax.set_ylabel("rate [Hz]")
    return ax


def rate_histogram(spikes, populations, *, ax=None, bins=30):
    """Distribution of single-neuron rates [Hz] per population (step histograms).

    Parameters
    ----------
    spikes : clif.Spikes
    populations : dict
        Name -> range of global neuron indices.
    ax : matplotlib Axes, optional
    bins : int

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    r = spikes.rates()
    top = max(float(r.max()) if r.size else 1.0, 1e-9)
    edges = np.linspace(0.0, top, bins + 1)
    for k, (name, rg) in enumerate(populations.items()):
        ax.hist(r[rg.start:rg.stop], bins=edges, histtype="step", color=f"C{k % 10}",
                label=name)
    ax.set_xlabel("rate [Hz]")
    ax.set_ylabel("neurons")
    ax.legend(fontsize="small")
    return ax
