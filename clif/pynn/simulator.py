"""State and engine of the clif PyNN backend.

Every ``run`` recomputes the segment exactly from t = 0 to the new time
(clif's results do not depend on how a run is split, and every random stream
here is counter-based on (seed, population, block), so ``run(a); run(b)``
gives the spikes of ``run(a + b)``).

Two engines, chosen from the graph of projections between cell populations:

* acyclic (feed-forward, the PyNN system scenarios): each cell population is
  simulated with :func:`clif.simulate` in topological order; the spikes of
  sources and upstream populations become its input pulses (exact arrival
  times ``t_spike + delay``), and DC / step / AC / noisy current sources map
  to clif's piecewise-constant ``current`` and exact ``sine`` drive;
* cyclic (recurrent networks): :class:`clif.Network`, which takes constant
  currents; SpikeSourceArray and SpikeSourcePoisson populations become its
  spike sources (one-to-one Poisson input on for the whole run and not
  recorded is the kernel's own external input instead, the fast path);
  anything else raises NotImplementedError naming the feature.
"""
import numpy as np

from pyNN import common

name = "clif"

# PyNN name -> clif name (units are the same: ms, mV, nA, nF).  The one table.
CELL_PARAMS = {
    "tau_m": "tau_m", "cm": "C_m", "v_rest": "E_L", "v_thresh": "V_th",
    "v_reset": "V_reset", "tau_refrac": "t_ref", "i_offset": "I_e",
    "tau_syn_E": "tau_syn_ex", "tau_syn_I": "tau_syn_in",
}
# PyNN cell type -> clif model
CELL_MODELS = {"IF_curr_delta": "delta", "IF_curr_exp": "psc_exp", "IF_curr_alpha": "psc_alpha"}

# Poisson source times are drawn in blocks of this length [ms], each from its
# own counter-based stream, so that extending a run keeps the earlier times.
POISSON_BLOCK = 1000.0


class ID(int, common.IDMixin):
    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):
    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = 0.1
        self.max_delay = 10.0
        self.rng_seed = 0
        self.threads = 1
        self.clear()

    def clear(self):
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.recorders = set()
        self.id_counter = 0
        self.segment_counter = -1
        self.write_on_end = []
        self.reset()

    def reset(self):
        self.running = False
        self.t = 0.0
        self.t_start = 0.0
        self.segment_counter += 1
        self.results = None
        self._fp = None

    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        if tstop < self.t:
            raise ValueError(f"run_until: tstop = {tstop} ms is before the current time "
                             f"{self.t} ms")
        fp = _fingerprint(self)
        if self.t > 0 and fp != self._fp:
            raise NotImplementedError(
                "changing parameters, sources or connections between runs without reset(): "
                "clif.pynn recomputes each segment exactly from t = 0, so a change would "
                "apply retroactively; call reset() and run again, or build the time "
                "dependence into the model (StepCurrentSource, spike_times)")
        self._fp = fp
        self.t = float(tstop)
        self.running = True
        self.results = _engine_run(self, self.t) if self.t > 0 else None


state = State()


def _fingerprint(state):
    import hashlib
    import pickle
    parts = [(p._native, p._init) for p in state.populations]
    parts += [(s._native_p, sorted((k, v.tolist()) for k, v in s._targets.items()))
              for s in state.current_sources]
    parts += [len(prj) for prj in state.projections]
    return hashlib.sha1(pickle.dumps(parts, protocol=4)).hexdigest()


# ---- engine -----------------------------------------------------------------
def _pop_index(state, pop):
    return next(k for k, p in enumerate(state.populations) if p is pop)


def _poisson_times(state, pop, t_stop):
    """Exact Poisson spike times of a SpikeSourcePoisson population in
    [0, t_stop): (local senders, times)."""
    rate = np.asarray(pop._native["rate"], float)
    start = np.asarray(pop._native["start"], float)
    stop = start + np.asarray(pop._native["duration"], float)
    k = _pop_index(state, pop)
    senders, times = [], []
    for b in range(int(np.ceil(t_stop / POISSON_BLOCK))):
        lo, hi = b * POISSON_BLOCK, (b + 1) * POISSON_BLOCK
        a = np.clip(start, lo, hi)
        e = np.clip(stop, lo, hi)
        span = np.maximum(e - a, 0.0)
        rng = np.random.default_rng([state.rng_seed, 1 + k, b])
        # Poisson count, then the times as uniform order statistics: exactly a
        # homogeneous Poisson process on [a, e).
        cnt = rng.poisson(rate * span / 1000.0)
        s = np.repeat(np.arange(pop.size), cnt)
        t = a[s] + span[s] * rng.random(s.size)
        senders.append(s)
        times.append(t)
    s = np.concatenate(senders) if senders else np.empty(0, int)
    t = np.concatenate(times) if times else np.empty(0)
    keep = t < t_stop
    return s[keep], t[keep]


def _array_times(pop, t_stop):
    seqs = pop._native["spike_times"]
    ts = [np.asarray(getattr(x, "value", x), float).ravel() for x in seqs]
    s = np.repeat(np.arange(pop.size), [x.size for x in ts])
    t = np.concatenate(ts) if ts else np.empty(0)
    keep = t < t_stop
    return s[keep], t[keep]


def _graph(state):
    cells = [p for p in state.populations if not p._is_source]
    deps = {id(p): set() for p in cells}
    for prj in state.projections:
        if not prj._post_pop._is_source and not prj._pre_pop._is_source:
            deps[id(prj._post_pop)].add(id(prj._pre_pop))
    order, done = [], set()
    pending = list(cells)
    while pending:
        ready = [p for p in pending if deps[id(p)] <= done]
        if not ready:
            return cells, None
        for p in ready:
            order.append(p)
            done.add(id(p))
        pending = [p for p in pending if id(p) not in done]
    return cells, order


def _cell_kwargs(pop):
    kw = {k: np.asarray(v, float) for k, v in pop._native.items()}
    if pop._model == "delta":
        kw.pop("tau_syn_ex", None)
        kw.pop("tau_syn_in", None)
    return kw


def _currents(state, pop, t_stop):
    """(current, sine) arguments of clif.simulate for the sources injected
    into ``pop``."""
    n = pop.size
    steps = []   # (times, values (k, n))
    sine = None
    for src in state.current_sources:
        idx = src._targets.get(id(pop))
        if idx is None or idx.size == 0:
            continue
        times, amps, sn = src._clif_drive(state, t_stop)
        if sn is not None:
            if sine is not None:
                raise NotImplementedError("more than one ACSource into one population: clif "
                                          "has one exact sine drive per neuron")
            sine = {k: np.zeros(n) for k in ("I0", "f", "phase", "I_dc")}
            for k, v in sn.items():
                sine[k][idx] = v
            continue
        vals = np.zeros((len(times), n))
        vals[:, idx] = np.asarray(amps, float)[:, None]
        steps.append((np.asarray(times, float), vals))
    current = None
    if steps:
        allt = np.unique(np.concatenate([t for t, _ in steps]))
        allt = allt[allt < t_stop]
        total = np.zeros((allt.size, n))
        for t, v in steps:
            # value of this source on each change interval: its last change <= t
            j = np.searchsorted(t, allt, side="right") - 1
            total += np.where(j[:, None] >= 0, v[np.maximum(j, 0)], 0.0)
        if allt.size:
            current = (allt, total)
    return current, sine


def _engine_run(state, t_stop):
    cells, order = _graph(state)
    spikes = {}  # id(pop) -> (local senders, times)
    signals = {}  # id(pop) -> {var: (n_samples, n) array}
    for p in state.populations:
        if p._is_source:
            spikes[id(p)] = (_poisson_times(state, p, t_stop) if p._source_kind == "poisson"
                             else _array_times(p, t_stop))
    if order is None:
        return _network_run(state, cells, spikes, signals, t_stop)
    for pop in order:
        ts, tg, w, ports = [], [], [], []
        for prj in state.projections:
            if prj._post_pop is not pop:
                continue
            s_snd, s_t = spikes[id(prj._pre_pop)]
            pre, post, wt, dl = prj._arrays()
            if pre.size == 0 or s_t.size == 0:
                continue
            o = np.argsort(s_snd, kind="stable")
            s_snd, s_t = s_snd[o], s_t[o]
            first = np.searchsorted(s_snd, np.arange(prj._pre_pop.size + 1))
            cnt = np.diff(first)[pre]
            syn = np.repeat(np.arange(pre.size), cnt)
            pos = np.arange(syn.size) - np.repeat(np.cumsum(cnt) - cnt, cnt) + first[pre][syn]
            arr = s_t[pos] + dl[syn]
            keep = arr < t_stop
            ts.append(arr[keep])
            tg.append(post[syn][keep])
            w.append(prj._clif_weight(wt)[syn][keep])
            ports.append(np.full(int(keep.sum()), prj._port, dtype=np.int64))
        pulses = None
        if ts and sum(x.size for x in ts):
            pulses = [np.concatenate(ts), np.concatenate(tg), np.concatenate(w)]
            if pop._model != "delta":
                pulses.append(np.concatenate(ports))
            pulses = tuple(pulses)
        current, sine = _currents(state, pop, t_stop)
        sample_times, want = pop.recorder._sample_request(t_stop)
        from clif import simulate
        res = simulate(t_stop, n=pop.size, model=pop._model, V0=pop._v0(), current=current,
                       pulses=pulses, sine=sine, sample_times=sample_times,
                       n_threads=state.threads, **_cell_kwargs(pop))
        spikes[id(pop)] = (np.asarray(res.senders), np.asarray(res.times))
        sig = {}
        if sample_times is not None:
            sig["v"] = res.extra["V"]
            if pop._model != "delta":
                sig["isyn_exc"] = res.extra["I_ex"]
                sig["isyn_inh"] = res.extra["I_in"]
        signals[id(pop)] = sig
    return {"spikes": spikes, "signals": signals}


def _ext_poisson_ok(src, prj, ext_rate, t_stop):
    """Whether a SpikeSourcePoisson projection can be the network kernel's
    own external Poisson input (drawn inside the kernel, the fast path):
    one source per target (OneToOne), on for the whole run, not recorded
    (its times are the kernel's, not those of the source population), no
    other such input on the targets.  Otherwise the source is a spike
    source of the network, with the times of :func:`_poisson_times`."""
    if src._source_kind != "poisson":
        return False
    pre, post, wt, dl = prj._arrays()
    start = np.asarray(src._native["start"], float)
    dur = np.asarray(src._native["duration"], float)
    return (np.unique(post).size == post.size and np.unique(pre).size == pre.size
            and not np.any(ext_rate[post] > 0)
            and not any(v.name == "spikes" and ids for v, ids in src.recorder.recorded.items())
            and not np.any(start != 0) and not np.any(start + dur < t_stop))


def _network_run(state, cells, spikes, signals, t_stop):
    import clif
    md = state.min_delay
    net = clif.Network(seed=state.rng_seed, d_min=None if md == "auto" else float(md))
    base = {}
    fast = set()   # projections taken as the kernel's own Poisson input
    for pop in cells:
        kw = _cell_kwargs(pop)
        ext_rate = np.zeros(pop.size)
        ext_w = np.zeros(pop.size)
        for prj in state.projections:
            if prj._post_pop is not pop or not prj._pre_pop._is_source:
                continue
            src = prj._pre_pop
            if not _ext_poisson_ok(src, prj, ext_rate, t_stop):
                continue   # a spike source of the network (below)
            pre, post, wt, dl = prj._arrays()
            ext_rate[post] = np.asarray(src._native["rate"], float)[pre] if np.ndim(
                src._native["rate"]) else float(src._native["rate"])
            ext_w[post] = prj._clif_weight(wt)
            fast.add(id(prj))
        I_e = np.asarray(kw.pop("I_e", 0.0), float) + np.zeros(pop.size)
        for src in state.current_sources:
            idx = src._targets.get(id(pop))
            if idx is None or idx.size == 0:
                continue
            I_e[idx] += src._constant_amplitude(t_stop)
        r = net.add_population(pop.size, model=pop._model, I_e=I_e, V0=pop._v0(),
                               ext_rate=ext_rate, ext_weight=ext_w, **kw)
        base[id(pop)] = r.start
    sources = {}   # id(source population) -> clif.network.Sources
    for prj in state.projections:
        if id(prj) in fast:
            continue
        pre, post, wt, dl = prj._arrays()
        if not pre.size:
            continue
        src = prj._pre_pop
        if src._is_source:
            if id(src) not in sources:
                snd, t = spikes[id(src)]
                o = np.lexsort((t, snd))
                cut = np.searchsorted(snd[o], np.arange(src.size + 1))
                trains = [t[o][cut[j]:cut[j + 1]] for j in range(src.size)]
                sources[id(src)] = net.add_spike_source(trains)
            net.connect(sources[id(src)][pre], post + base[id(prj._post_pop)],
                        prj._clif_weight(wt), dl)
        else:
            net.connect(pre + base[id(src)], post + base[id(prj._post_pop)],
                        prj._clif_weight(wt), dl)
    rec_v = []
    for pop in cells:
        st, want = pop.recorder._sample_request(t_stop)
        if st is not None:
            if want - {"v"}:
                raise NotImplementedError(
                    f"recording {sorted(want - {'v'})} in a recurrent network: clif.Network "
                    "samples V only; record them in a feed-forward model")
            rec_v.append((pop, st))
    dts = {pop.recorder.sampling_interval for pop, _ in rec_v}
    if len(dts) > 1:
        raise NotImplementedError("different sampling intervals in one recurrent network")
    record_V = None
    if rec_v:
        record_V = np.concatenate([np.arange(p.size) + base[id(p)] for p, _ in rec_v])
    # Run half a sample past t_stop so that V at t_stop (PyNN's last sample)
    # exists; spikes at or after t_stop are dropped below (they cannot affect
    # anything earlier).
    dt_v = dts.pop() if dts else 1.0
    res = net.run(t_stop + (0.5 * dt_v if rec_v else 0.0), record_V=record_V, V_dt=dt_v,
                  n_threads=state.threads)
    sp = res.spikes
    for pop in cells:
        b = base[id(pop)]
        m = (sp.senders >= b) & (sp.senders < b + pop.size) & (sp.times < t_stop)
        spikes[id(pop)] = (np.asarray(sp.senders[m]) - b, np.asarray(sp.times[m]))
        signals[id(pop)] = {}
    col = 0
    for pop, st in rec_v:
        V = res.V[:, col:col + pop.size]
        col += pop.size
        signals[id(pop)]["v"] = V[:st.size]
    return {"spikes": spikes, "signals": signals}
