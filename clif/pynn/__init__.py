"""PyNN backend: ``import clif.pynn as sim`` runs a PyNN 0.13 script on clif,
with exact spike times.

Supported: ``IF_curr_delta`` (weights in mV), ``IF_curr_exp`` and
``IF_curr_alpha`` (weights in nA), ``SpikeSourceArray``,
``SpikeSourcePoisson``, ``DCSource``, ``StepCurrentSource``, ``ACSource``,
``NoisyCurrentSource``, ``StaticSynapse``, every PyNN connector, recording
of ``spikes``, ``v`` and (current models) ``isyn_exc``/``isyn_inh``.
Conductance-based cells, plasticity and other models raise
NotImplementedError naming the feature.  See docs/pynn.md and
:mod:`clif.pynn.simulator` for how the two engines are chosen.
"""
import numpy as np

try:
    import pyNN  # noqa: F401
except ImportError as e:  # pragma: no cover - the extra is missing
    raise ImportError("clif.pynn needs PyNN and Neo: pip install 'clif[pynn]'") from e

from pyNN import common, errors, random, space  # noqa: F401
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.connectors import *  # noqa: F401,F403
from pyNN.network import Network  # noqa: F401
from pyNN.parameters import ParameterSpace, Sequence, simplify
from pyNN.random import NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.recording import Recorder as _Recorder, get_io
from pyNN.connectors import FixedProbabilityConnector
from pyNN.space import Space
from pyNN.standardmodels import (StandardCellType, build_translations, cells, electrodes,
                                 synapses, StandardCurrentSource)

from . import simulator
from .simulator import CELL_PARAMS, state

__all__ = ["setup", "end", "run", "run_until", "run_for", "reset", "Population",
           "PopulationView", "Assembly", "Projection", "IF_curr_delta", "IF_curr_exp",
           "IF_curr_alpha", "SpikeSourceArray", "SpikeSourcePoisson", "DCSource",
           "StepCurrentSource", "ACSource", "NoisyCurrentSource", "StaticSynapse"]


# ---- cell types ---------------------------------------------------------------
def _cell_translations(base):
    return build_translations(*[(k, CELL_PARAMS[k]) for k in base.default_parameters])


class IF_curr_delta(cells.IF_curr_delta):
    __doc__ = cells.IF_curr_delta.__doc__
    translations = _cell_translations(cells.IF_curr_delta)
    clif_model = "delta"


class IF_curr_exp(cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = _cell_translations(cells.IF_curr_exp)
    clif_model = "psc_exp"
    recordable = ["spikes", "v", "isyn_exc", "isyn_inh"]
    units = dict(cells.IF_curr_exp.units, isyn_exc="nA", isyn_inh="nA")


class IF_curr_alpha(cells.IF_curr_alpha):
    __doc__ = cells.IF_curr_alpha.__doc__
    translations = _cell_translations(cells.IF_curr_alpha)
    clif_model = "psc_alpha"
    recordable = ["spikes", "v", "isyn_exc", "isyn_inh"]
    units = dict(cells.IF_curr_alpha.units, isyn_exc="nA", isyn_inh="nA")


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = build_translations(("rate", "rate"), ("start", "start"),
                                      ("duration", "duration"))
    clif_source = "poisson"


class SpikeSourceArray(cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = build_translations(("spike_times", "spike_times"))
    clif_source = "array"


def _unsupported(base, why):
    class Unsupported(base):
        __doc__ = f"Not available on clif: {why}"

        def __init__(self, *a, **k):
            raise NotImplementedError(f"{base.__name__} is not available on clif: {why}")
    Unsupported.__name__ = base.__name__
    return Unsupported


_COND = ("conductance-based synapses have no exact event-driven solution in clif; use "
         "IF_curr_exp/IF_curr_alpha (current-based) here, or pyNN.nest for conductances")
IF_cond_exp = _unsupported(cells.IF_cond_exp, _COND)
IF_cond_alpha = _unsupported(cells.IF_cond_alpha, _COND)
HH_cond_exp = _unsupported(cells.HH_cond_exp, "Hodgkin-Huxley cells are not LIF; use pyNN.nest")
EIF_cond_exp_isfa_ista = _unsupported(cells.EIF_cond_exp_isfa_ista,
                                      "adaptive exponential cells are not LIF; use pyNN.nest")
EIF_cond_alpha_isfa_ista = _unsupported(cells.EIF_cond_alpha_isfa_ista,
                                        "adaptive exponential cells are not LIF; use pyNN.nest")
Izhikevich = _unsupported(cells.Izhikevich, "Izhikevich cells are not LIF; use pyNN.nest")
_PLAST = ("synaptic plasticity is not implemented in clif (static synapses only); use "
          "StaticSynapse, or pyNN.nest for plastic synapses")
TsodyksMarkramSynapse = _unsupported(synapses.TsodyksMarkramSynapse, _PLAST)
STDPMechanism = _unsupported(synapses.STDPMechanism, _PLAST)


# ---- synapses -------------------------------------------------------------------
class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"))

    def _get_minimum_delay(self):
        d = state.min_delay
        return state.dt if d == "auto" else d


# ---- current sources --------------------------------------------------------------
class _Source(StandardCurrentSource):
    def __init__(self, **parameters):
        super().__init__(**parameters)
        self._native_p = {}
        self._targets = {}   # id(population) -> local indices
        state.current_sources.append(self)
        ps = ParameterSpace(self.default_parameters, self.get_schema(), shape=(1,))
        ps.update(**parameters)
        self.set_native_parameters(self.translate(ps))

    def get_native_parameters(self):
        return ParameterSpace(dict(self._native_p))

    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        for k, v in parameters.items():
            self._native_p[k] = v.value if isinstance(v, Sequence) else v

    def inject_into(self, cells_):
        for c in cells_:
            if not c.celltype.injectable:
                raise TypeError("Can't inject current into a spike source.")
            pop = c.parent
            idx = pop.id_to_index(c)
            cur = self._targets.get(id(pop), np.empty(0, int))
            self._targets[id(pop)] = np.union1d(cur, [idx]).astype(int)

    def record(self):
        raise NotImplementedError("recording a current source is not implemented in clif.pynn; "
                                  "the drive is known in closed form from its parameters")

    def _get_data(self):
        raise NotImplementedError("recording a current source is not implemented in clif.pynn; "
                                  "the drive is known in closed form from its parameters")

    # (times, amplitudes, sine dict or None) over [0, t_stop)
    def _clif_drive(self, st, t_stop):
        raise NotImplementedError

    def _constant_amplitude(self, t_stop):
        times, amps, sine = self._clif_drive(state, t_stop)
        amps = np.asarray(amps, float)
        if sine is None and len(times) == 1 and times[0] == 0.0:
            return float(amps[0])
        raise NotImplementedError(
            f"{type(self).__name__} that is not constant over the run, into a recurrent "
            "network: clif.Network takes constant currents (i_offset) only; use a "
            "feed-forward model (simulated exactly with clif.simulate)")


class DCSource(_Source, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"),
                                      ("stop", "stop"))

    def _clif_drive(self, st, t_stop):
        p = self._native_p
        if p["stop"] >= t_stop:
            return [p["start"]], [p["amplitude"]], None
        return [p["start"], p["stop"]], [p["amplitude"], 0.0], None


class StepCurrentSource(_Source, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(("amplitudes", "amplitudes"), ("times", "times"))

    def set_native_parameters(self, parameters):
        super().set_native_parameters(parameters)
        t = np.asarray(self._native_p.get("times", []), float)
        a = np.asarray(self._native_p.get("amplitudes", []), float)
        if t.shape != a.shape or np.any(np.diff(t) <= 0) or np.any(t < 0):
            raise errors.InvalidParameterValueError(
                "StepCurrentSource: times [ms] must be >= 0, strictly increasing and as many "
                f"as the amplitudes; got times {t.tolist()}, {a.size} amplitudes")

    def _clif_drive(self, st, t_stop):
        t = np.asarray(self._native_p["times"], float)
        a = np.asarray(self._native_p["amplitudes"], float)
        return t, a, None


class ACSource(_Source, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__
    translations = build_translations(*[(k, k) for k in electrodes.ACSource.default_parameters])

    def _clif_drive(self, st, t_stop):
        p = self._native_p
        if p["start"] != 0 or p["stop"] < t_stop:
            raise NotImplementedError(
                "ACSource with start > 0 or stop before the end of the run: clif's exact "
                "sine drive is on for the whole run; use start=0 and a stop beyond the run")
        # PyNN: offset + amplitude sin(2 pi f t + phase [deg]); clif's phase is in rad
        return [], [], dict(I0=p["amplitude"], f=p["frequency"],
                            phase=np.deg2rad(p["phase"]), I_dc=p["offset"])


class NoisyCurrentSource(_Source, electrodes.NoisyCurrentSource):
    __doc__ = electrodes.NoisyCurrentSource.__doc__
    translations = build_translations(*[(k, k) for k in
                                        electrodes.NoisyCurrentSource.default_parameters])

    def _clif_drive(self, st, t_stop):
        # Piecewise constant (a new Gaussian value every dt), so clif integrates it
        # exactly; values come from a counter-based stream keyed by this source.
        p = self._native_p
        dt = p["dt"] if p["dt"] else st.dt
        stop = min(p["stop"], t_stop)
        t = np.arange(p["start"], stop, dt)
        k = state.current_sources.index(self)
        rng = np.random.default_rng([st.rng_seed, 10**6 + k])
        vals = p["mean"] + p["stdev"] * rng.standard_normal(t.size)
        if p["stop"] < t_stop:
            t = np.append(t, p["stop"])
            vals = np.append(vals, 0.0)
        return t, vals, None


# ---- recording -------------------------------------------------------------------
class Recorder(_Recorder):
    _simulator = simulator

    def _record(self, variable, new_ids, sampling_interval=None):
        if variable.name in ("isyn_exc", "isyn_inh") and self.population._model == "delta":
            raise NotImplementedError(
                f"{variable.name} of IF_curr_delta: delta synapses have no synaptic current")
        if variable.name not in ("spikes", "v", "isyn_exc", "isyn_inh"):
            raise NotImplementedError(f"recording {variable.name!r} is not available on clif")

    def _sample_request(self, t_stop):
        want = {v.name for v in self.recorded if v.name != "spikes" and self.recorded[v]}
        if not want:
            return None, set()
        dt = self.sampling_interval
        st = np.arange(int(np.floor(t_stop / dt + 1e-9)) + 1) * dt
        return st[st <= t_stop], want

    def _results(self):
        r = state.results
        return None if r is None else r

    def _get_spiketimes(self, ids, clear=False):
        r = self._results()
        ids = np.asarray(ids, int)
        if r is None:
            return np.empty(0, int), np.empty(0)
        s, t = r["spikes"][id(self.population)]
        g = s + self.population.first_id
        m = np.isin(g, ids) & (t >= self._cleared_at())
        g, t = g[m], t[m]
        o = np.lexsort((t, g))   # each train in time order (Neo keeps the given order)
        return g[o], t[o]

    def _cleared_at(self):
        return getattr(self, "_t_clear", 0.0)

    def _get_all_signals(self, variable, ids, clear=False):
        r = self._results()
        idx = self.population.id_to_index(np.asarray(ids, int))
        if r is None:
            return np.empty((0, len(ids))), None
        a = r["signals"][id(self.population)][variable.name][:, idx]
        k0 = int(round(self._cleared_at() / self.sampling_interval))
        return a[k0:], None

    def _local_count(self, variable, filter_ids=None):
        ids = np.fromiter(self.filter_recorded(variable, filter_ids), dtype=int)
        g, _ = self._get_spiketimes(ids)
        c = np.bincount(g - self.population.first_id, minlength=self.population.size)
        return {int(i): int(c[i - self.population.first_id]) for i in ids}

    def _clear_simulator(self):
        self._t_clear = state.t

    def _reset(self):
        self._t_clear = 0.0


# ---- populations -----------------------------------------------------------------
class Assembly(common.Assembly):
    _simulator = simulator


class _NativeParams:
    def _get_parameters(self, *names):
        ct = self.celltype
        if any(n in ct.computed_parameters() for n in names):
            native = ct.get_native_names()
        else:
            native = ct.get_native_names(*names)
        return ct.reverse_translate(self._get_native_parameters(*native))


class PopulationView(_NativeParams, common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _get_native_parameters(self, *names):
        d = {}
        for n in names:
            v = self.parent._native[n]
            d[n] = simplify(v[self.mask] if isinstance(v, np.ndarray) else v)
        return ParameterSpace(d, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        for n, v in parameter_space.items():
            self.parent._native[n][self.mask] = v.evaluate(simplify=True)

    def _set_initial_value_array(self, variable, initial_values):
        self.parent._init.setdefault(variable, np.full(self.parent.size, np.nan))
        self.parent._init[variable][self.mask] = initial_values.evaluate(simplify=True)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(_NativeParams, common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        ct = self.celltype
        if not isinstance(ct, StandardCellType) or not (
                hasattr(ct, "clif_model") or hasattr(ct, "clif_source")):
            raise NotImplementedError(
                f"cell type {type(ct).__name__} is not available on clif; use IF_curr_delta, "
                "IF_curr_exp, IF_curr_alpha, SpikeSourceArray or SpikeSourcePoisson")
        self._is_source = hasattr(ct, "clif_source")
        self._source_kind = getattr(ct, "clif_source", None)
        self._model = getattr(ct, "clif_model", None)
        ids = np.arange(state.id_counter, state.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(i) for i in ids], dtype=simulator.ID)
        self._mask_local = np.ones(self.size, bool)
        ps = ct.native_parameters
        ps.shape = (self.size,)
        ps.evaluate(simplify=False)
        self._native = ps.as_dict()
        if self._source_kind == "array":
            for k, x in enumerate(self._native["spike_times"]):
                x = np.asarray(getattr(x, "value", x), float)
                if np.any(np.diff(x) < 0) or np.any(x < 0):
                    raise errors.InvalidParameterValueError(
                        f"SpikeSourceArray: spike_times of cell {k} must be sorted and >= 0 ms; "
                        f"got {x.tolist()}")
        self._init = {}
        for c in self.all_cells:
            c.parent = self
        state.id_counter += self.size
        state.populations.append(self)

    def _v0(self):
        v = self._init.get("v")
        if v is None:
            return None
        return np.where(np.isnan(v), self._native["E_L"], v)

    def _set_initial_value_array(self, variable, initial_values):
        a = initial_values.evaluate(simplify=False) if hasattr(initial_values, "evaluate") \
            else initial_values
        self._init[variable] = np.broadcast_to(np.asarray(a, float), (self.size,)).copy()

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _get_native_parameters(self, *names):
        return ParameterSpace({n: simplify(self._native[n]) for n in names},
                              shape=(self.size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        for n, v in parameter_space.items():
            self._native[n] = v


# ---- projections --------------------------------------------------------------------
class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse   # PyNN's default when synapse_type is omitted

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(),
                 label=None):
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type, space,
                                   label)
        for side, p in (("presynaptic", self.pre), ("postsynaptic", self.post)):
            if isinstance(p, common.Assembly):
                raise NotImplementedError(f"an Assembly as {side} population in clif.pynn: "
                                          "make one Projection per Population")
        self._pre_pop = self.pre.grandparent if hasattr(self.pre, "grandparent") else self.pre
        self._post_pop = self.post.grandparent if hasattr(self.post, "grandparent") \
            else self.post
        if self._post_pop._is_source:
            raise errors.ConnectionError("cannot connect to a spike source")
        if self.receptor_type not in ("excitatory", "inhibitory"):
            raise errors.ConnectionError(f"unknown receptor_type {self.receptor_type!r}")
        self._port = 0 if self.receptor_type == "excitatory" else 1
        self._pre_chunks, self._post_chunks, self._w_chunks, self._d_chunks = [], [], [], []
        self._cache = None
        connector.connect(self)
        state.projections.append(self)

    def _pre_index(self, idx):
        """Local indices of self.pre -> indices in its parent population."""
        if self.pre is self._pre_pop:
            return idx
        return self._pre_pop.id_to_index(self.pre.all_cells[idx])

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **params):
        if location_selector is not None:
            raise NotImplementedError("multicompartment models are not available on clif")
        pre = np.asarray(presynaptic_indices, dtype=np.int64).ravel()
        m = pre.size
        post = int(postsynaptic_index)
        if self.post is not self._post_pop:
            post = int(self._post_pop.id_to_index(self.post.all_cells[post]))
        w = np.broadcast_to(np.asarray(params.get("weight", 0.0), float), (m,))
        d = np.broadcast_to(np.asarray(params.get("delay", state.min_delay), float), (m,))
        md = state.dt if state.min_delay == "auto" else state.min_delay
        if np.any(~(d >= md)):
            raise errors.ConnectionError(f"Delay ({d[~(d >= md)][0]}) is out of range: delays "
                                         f"must be >= min_delay = {md} ms")
        extra = set(params) - {"weight", "delay"}
        if extra:
            raise NotImplementedError(f"synapse parameters {sorted(extra)} are not available "
                                      "on clif (StaticSynapse only)")
        self._pre_chunks.append(self._pre_index(pre))
        self._post_chunks.append(np.full(m, post, dtype=np.int64))
        self._w_chunks.append(np.array(w))
        self._d_chunks.append(np.array(d))
        self._cache = None

    def _arrays(self):
        """(pre, post, weight, delay) arrays, local to the parent populations."""
        if self._cache is None:
            cat = [np.concatenate(c) if c else np.empty(0, dt) for c, dt in
                   ((self._pre_chunks, np.int64), (self._post_chunks, np.int64),
                    (self._w_chunks, float), (self._d_chunks, float))]
            self._pre_chunks, self._post_chunks, self._w_chunks, self._d_chunks = \
                [[c] for c in cat]
            self._cache = tuple(cat)
        return self._cache

    def _clif_weight(self, w):
        # PyNN (check_weights) already demands weights >= 0 onto excitatory and
        # <= 0 onto inhibitory current receptors: clif's signed mV / nA as they are.
        return np.asarray(w, float)

    def __len__(self):
        return int(self._arrays()[0].size)

    def set(self, **attributes):
        raise NotImplementedError("Projection.set is not implemented in clif.pynn; give "
                                  "weights and delays to the synapse type or the connector")

    def _get_attributes_as_arrays(self, attribute_names, multiple_synapses="sum"):
        pre, post, w, d = self._arrays()
        shape = (self.pre.size, self.post.size)
        out = []
        for name in attribute_names:
            a = np.full(shape, np.nan)
            vals = {"weight": w, "delay": d}[name]
            pi = pre if self.pre is self._pre_pop else self.pre.id_to_index(
                self._pre_pop.all_cells[pre])
            qi = post if self.post is self._post_pop else self.post.id_to_index(
                self._post_pop.all_cells[post])
            a[pi, qi] = vals
            out.append(a)
        return out

    def _get_attributes_as_list(self, attribute_names):
        pre, post, w, d = self._arrays()
        cols = {"source": pre, "target": post, "weight": w, "delay": d,
                "presynaptic_index": pre, "postsynaptic_index": post}
        return list(zip(*[cols[n] for n in attribute_names]))


# ---- control ------------------------------------------------------------------------
def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Start a clif.pynn session.  ``timestep`` [ms] is only the default
    sampling interval of recorded signals (clif is event-driven, spike times
    are exact); ``min_delay`` [ms] or "auto" is clif.Network's window;
    ``threads`` (or ``num_threads``) and ``rng_seed`` are honoured."""
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    state.clear()
    state.dt = timestep
    state.min_delay = min_delay
    state.max_delay = max_delay
    state.threads = int(extra_params.get("threads", extra_params.get("num_threads", 1)))
    state.rng_seed = int(extra_params.get("rng_seed", 0) or 0)
    return rank()


def end(compatible_output=True):
    """Write the data requested with ``record(..., filename)`` and finish."""
    for population, variables, filename in state.write_on_end:
        population.write_data(get_io(filename), variables)
    state.write_on_end = []


run, run_until = common.build_run(simulator)
run_for = run
reset = common.build_reset(simulator)
initialize = common.initialize
get_current_time, get_time_step, get_min_delay, get_max_delay, num_processes, rank = \
    common.build_state_queries(simulator)

create = common.build_create(Population)
connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)
record = common.build_record(simulator)


def record_v(source, filename):
    return record(["v"], source, filename)


def record_gsyn(source, filename):
    raise NotImplementedError("gsyn: conductance-based synapses are not available on clif")


def list_standard_models():
    """Names of the cell types available on clif."""
    return ["IF_curr_delta", "IF_curr_exp", "IF_curr_alpha", "SpikeSourceArray",
            "SpikeSourcePoisson"]
