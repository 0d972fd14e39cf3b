"""A slow, plain-Python, event-by-event reference for clif.Network.

It shares no code with clif and knows nothing of windows: it keeps every
pending pulse in one global heap and always processes the earliest event
in the whole network -- a spontaneous threshold crossing (closed form
under constant drive, written with log rather than the kernel's log1p), the
end of a refractory period, or all pulses arriving at one time.  Rules (those
of clif.simulate):

- V >= V_th is a spike; the neuron is refractory on [t*, t* + t_ref) with V
  held at V_reset; pulses inside are dropped (or, "integrate", added at the
  end decayed by exp(-(t_end - t)/tau_m)).
- Pulses arriving at one time on one neuron are added in the canonical order
  (arrival time, spike time, sender, synapse position in the sender's row
  after a stable sort by target) before the threshold decides; a crossing
  at exactly a pulse time is decided after the pulses.
"""
import heapq
import math


def simulate_network_reference(t_stop, n, params, I_e, synapses, refractory_input="drop",
                               sources=()):
    """Spikes [(t, sender)] sorted by (t, sender).

    params: list of dicts (tau_m, R_m, E_L, V_th, V_reset, t_ref), one per
    neuron; I_e: list [nA]; synapses: list of (pre, post, weight, delay) in
    input order (weights are used as given: pass the float32-rounded ones).
    sources: spikes (t, j) of spike source j, whose synapses have pre = n + j
    (a source's spike is a neuron's spike with a sender after every neuron).
    """
    n_pre = max([n] + [pre + 1 for pre, _, _, _ in synapses] + [n + j + 1 for _, j in sources])
    rows = [[] for _ in range(n_pre)]
    for pre, post, w, d in synapses:
        rows[pre].append((post, w, d))
    rows = [sorted(r, key=lambda s: s[0]) for r in rows]  # stable by target

    V0 = [p["E_L"] for p in params]   # anchor potential
    t0 = [0.0] * n                    # anchor time
    ref_end = [-math.inf] * n
    refr = [False] * n
    acc = [0.0] * n                   # integrated refractory input
    V_inf = [p["E_L"] + p["R_m"] * I for p, I in zip(params, I_e)]
    heap = []                         # (arrival, t_spike, sender, pos, target, w)
    spikes = []
    for t, j in sources:
        for pos, (post, w, d) in enumerate(rows[n + j]):
            heapq.heappush(heap, (t + d, t, n + j, pos, post, w))

    def V_at(i, t):
        p = params[i]
        return V_inf[i] + (V0[i] - V_inf[i]) * math.exp(-(t - t0[i]) / p["tau_m"])

    def fire(i, t):
        spikes.append((t, i))
        ref_end[i] = t + params[i]["t_ref"]
        refr[i] = True
        acc[i] = 0.0
        for pos, (post, w, d) in enumerate(rows[i]):
            heapq.heappush(heap, (t + d, t, i, pos, post, w))

    def next_event(i):
        """Earliest spontaneous event of neuron i: (time, kind)."""
        p = params[i]
        if refr[i]:
            return ref_end[i], "ref_end"
        if V0[i] >= p["V_th"]:
            return t0[i], "fire"
        if V_inf[i] > p["V_th"]:
            return (t0[i] + p["tau_m"] * math.log((V_inf[i] - V0[i]) / (V_inf[i] - p["V_th"])),
                    "fire")
        return math.inf, None

    while True:
        tp = heap[0][0] if heap else math.inf
        best = (math.inf, None, -1)
        for i in range(n):
            t, kind = next_event(i)
            if t < best[0]:
                best = (t, kind, i)
        tc, kind, i = best
        if min(tc, tp) >= t_stop:
            break
        if tc < tp or (tc == tp and kind == "ref_end"):
            if kind == "ref_end":
                refr[i] = False
                t0[i] = ref_end[i]
                V0[i] = params[i]["V_reset"] + acc[i]
                acc[i] = 0.0
            else:
                fire(i, tc)
            continue
        # all pulses at time tp, in canonical order
        batch = []
        while heap and heap[0][0] == tp:
            batch.append(heapq.heappop(heap))
        touched = []
        for (_, _, _, _, post, w) in batch:
            if refr[post] and tp < ref_end[post]:
                if refractory_input == "integrate":
                    acc[post] += w * math.exp(-(ref_end[post] - tp) / params[post]["tau_m"])
                continue
            if post not in touched:
                V0[post] = V_at(post, tp)
                t0[post] = tp
                touched.append(post)
            V0[post] += w
        for post in sorted(touched):
            if V0[post] >= params[post]["V_th"]:
                fire(post, tp)
    return sorted(spikes)
