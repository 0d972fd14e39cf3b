"""Neuron/synapse models: one spec per model, the Python face of the C
model table (src_c/clif_model.h).

Every model shares the membrane ``tau_m dV/dt = -(V - E_L) + R_m (I_e +
I_syn(t))`` with threshold ``V_th``, reset ``V_reset`` and dead time
``t_ref`` (:class:`clif.LIF`); the models differ in what an input pulse of
weight ``w`` does:

========== =========== ==================================================
model      weight unit a pulse ...
========== =========== ==================================================
delta      mV          adds ``w`` to V (NEST ``iaf_psc_delta``)
psc_exp    nA          adds ``w`` to ``I_x``, which decays with
                       ``tau_syn_x`` (NEST ``iaf_psc_exp``, PyNN
                       ``IF_curr_exp``)
psc_alpha  nA          adds ``w (e/tau_x) t e^{-t/tau_x}`` to ``I_x``, peak
                       ``w`` at ``tau_x`` (NEST ``iaf_psc_alpha``, PyNN
                       ``IF_curr_alpha``)
========== =========== ==================================================

The receptor ``x`` (port 0 = ``ex``, 1 = ``in``) is the sign of the weight
(NEST's rule: ``w >= 0`` excitatory) unless ports are given.  During
refractoriness the synaptic currents keep decaying and taking input; only V
is held.  Validation, the docs' tables and the PyNN names come from the
specs below, so a new model is one entry here and one C file.
"""
from dataclasses import dataclass, field

import numpy as np

from clif import _exact


@dataclass(frozen=True)
class Param:
    """A model parameter: name, unit, default, PyNN spelling, doc."""
    name: str
    unit: str
    default: float
    pynn: str
    doc: str

    def check(self, x, n):
        """``x`` as a float64 array of length n, finite and > 0."""
        a = np.asarray(x)
        if a.dtype.kind not in "biuf" or a.dtype.kind == "b":
            raise TypeError(f"{self.name} must be a real number or array ({self.unit}); "
                            f"got dtype {a.dtype}")
        a = a.astype(np.float64)
        if a.ndim > 1 or (a.ndim == 1 and a.size != n):
            raise ValueError(f"{self.name} must be a scalar or have length n={n}; "
                             f"got shape {a.shape}")
        if not np.all(np.isfinite(a) & (a > 0)):
            bad = float(a[~(np.isfinite(a) & (a > 0))].ravel()[0])
            raise ValueError(f"{self.name} must be finite and > 0 ({self.unit}); "
                             f"got {self.name}={bad!r}")
        return np.ascontiguousarray(np.broadcast_to(a, (n,)))


@dataclass(frozen=True)
class ModelSpec:
    """What clif knows of a model: its C id, the unit of a weight, its
    extra parameters and the names of its synaptic state variables."""
    name: str
    id: int
    weight_unit: str
    params: tuple = ()
    state: tuple = ()
    state_units: tuple = ()
    nest: str = ""
    pynn: str = ""
    doc: str = ""
    aliases: dict = field(default_factory=dict)

    @property
    def current_based(self):
        return self.id != 0

    def state_dtype(self):
        """Structured dtype of one neuron's state row (see
        ``Population.state``)."""
        return _exact.state_dtype(self.id)


_TAU_DOC = "synaptic time constant of the {} receptor"
_SYN = (Param("tau_syn_ex", "ms", 2.0, "tau_syn_E", _TAU_DOC.format("excitatory")),
        Param("tau_syn_in", "ms", 2.0, "tau_syn_I", _TAU_DOC.format("inhibitory")))


def _spec(cid, **kw):
    name, y, units, wunit = _exact.model_info(cid)
    if kw.get("params"):
        kw["aliases"] = {p.pynn: p.name for p in kw["params"]}
    return ModelSpec(name=name, id=cid, weight_unit=wunit, state=y, state_units=units, **kw)


MODELS = {s.name: s for s in (
    _spec(0, nest="iaf_psc_delta", pynn="IF_curr_delta",
          doc="delta pulses: a pulse of w mV moves V by w"),
    _spec(1, params=_SYN, nest="iaf_psc_exp", pynn="IF_curr_exp",
          doc="exponential postsynaptic currents: a pulse of w nA adds w to I_x, "
              "which decays with tau_syn_x"),
    _spec(2, params=_SYN, nest="iaf_psc_alpha", pynn="IF_curr_alpha",
          doc="alpha postsynaptic currents: a pulse of w nA adds "
              "w (e/tau_x) t exp(-t/tau_x), peak w at t = tau_x"),
)}
assert len(MODELS) == _exact.model_count()


def get(model):
    """The :class:`ModelSpec` of a model name (or a spec itself)."""
    if isinstance(model, ModelSpec):
        return model
    if not isinstance(model, str):
        raise TypeError(f"model must be a string, one of {sorted(MODELS)}; "
                        f"got {type(model).__name__}")
    try:
        return MODELS[model]
    except KeyError:
        raise ValueError(f"model must be one of {sorted(MODELS)}; got {model!r}") from None


def take_syn_kwargs(params):
    """Pop every model's synaptic keywords (NEST or PyNN spelling) out of
    ``params`` (modified), before the LIF parameters are read from it."""
    names = {q for s in MODELS.values() for p in s.params for q in (p.name, p.pynn)}
    return {k: params.pop(k) for k in list(params) if k in names}


def split_params(spec, n, params):
    """Take the model's own parameters (NEST or PyNN spelling) out of the
    keyword dict ``params`` (modified); returns ``{name: array (n,)}``.
    Parameters of another model's are an error naming the model."""
    out = {}
    for p in spec.params:
        given = [k for k in (p.name, p.pynn) if k in params]
        if len(given) == 2:
            raise TypeError(f"give {p.name} or its PyNN spelling {p.pynn}, not both")
        x = params.pop(given[0]) if given else p.default
        out[p.name] = p.check(x, n)
    foreign = {q.name for s in MODELS.values() for q in s.params} | {
        q.pynn for s in MODELS.values() for q in s.params}
    stray = sorted(foreign & set(params))
    if stray:
        raise ValueError(f"{', '.join(stray)} apply to the current-based models "
                         f"(psc_exp, psc_alpha), not to model={spec.name!r}")
    return out


def ports(spec, x, m):
    """Validate explicit receptor ports (0 = ex, 1 = in) for m pulses."""
    if not spec.current_based:
        raise ValueError(f"pulse ports apply to the current-based models (psc_exp, "
                         f"psc_alpha); model={spec.name!r} has one port")
    a = np.asarray(x)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.size == 0:
        a = a.astype(np.int64)
    if a.dtype.kind not in "iu" or isinstance(x, (bool, np.bool_)):
        raise TypeError(f"pulse ports must be integers (0 = ex, 1 = in); got dtype {a.dtype}")
    if a.shape != (m,):
        raise ValueError(f"pulse ports must have the same length as the pulse times; "
                         f"got {a.size} for {m} pulses")
    if a.size and (a.min() < 0 or a.max() > 1):
        raise ValueError(f"pulse ports must be 0 (ex) or 1 (in); got "
                         f"{int(a.min()) if a.min() < 0 else int(a.max())}")
    return a.astype(np.uint8)


def table():
    """The models as Markdown rows (name, NEST, PyNN, weight unit,
    parameters), for the docs."""
    rows = ["| model | NEST | PyNN | weight | parameters |", "|---|---|---|---|---|"]
    for s in MODELS.values():
        ps = ", ".join(f"`{p.name}` [{p.unit}] (PyNN `{p.pynn}`, default {p.default:g})"
                       for p in s.params) or "-"
        rows.append(f"| `{s.name}` | `{s.nest}` | `{s.pynn}` | {s.weight_unit} | {ps} |")
    return "\n".join(rows)


__all__ = ["MODELS", "ModelSpec", "Param", "get", "table"]
