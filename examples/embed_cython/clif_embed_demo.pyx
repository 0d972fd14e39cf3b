# cython: language_level=3, boundscheck=False, wraparound=False
"""A tiny extension that embeds clif's kernel through its Cython C-level API:
it steps a population on a fixed grid with the GIL released, as a
clock-driven host simulator would, calling clif through
``cimport clif.cython_api`` (no linking against clif's C code).  Delta
neurons step with exact_step, any model (psc_exp, psc_alpha) with model_step;
an event-driven host's single call per neuron is model_advance.

Built by tests/test_embedding.py against the installed clif, and compared
there with clif.simulate / clif.simulate_noisy.
"""
import numpy as np

from libc.stdint cimport int64_t, uint64_t, uint8_t
from libc.math cimport llround
from clif.cython_api cimport (clif_params, clif_status, clif_drive, clif_exact_state,
                              clif_step_input, clif_noise_prop, clif_noise_state,
                              clif_noise_drive, clif_noise_spikes, clif_syn_params,
                              clif_model_state, CLIF_OK, CLIF_E_CAPACITY,
                              CLIF_REFRACTORY_DROP, CLIF_NOISE_EXACT, fill_params, check_params,
                              strerror, exact_init, exact_step, noise_prepare, noise_run,
                              abi_version, model_find, check_syn_params, model_init,
                              model_advance, model_step)

cdef enum:
    SPIKE_ROOM = 4096


def abi():
    """The ABI version of the clif this module runs against."""
    return abi_version()


cdef clif_params make_params(dict p) except *:
    cdef clif_params c
    fill_params(&c, p["tau_m"], p["R_m"], p["E_L"], p["V_th"], p["V_reset"], p["t_ref"])
    cdef clif_status st = check_params(&c)
    if st != CLIF_OK:
        raise ValueError(strerror(st).decode())
    return c


cdef Py_ssize_t group_step(Py_ssize_t q, double t1, const double[::1] pulse_t,
                           const int64_t[::1] pulse_i, const double[::1] pulse_w,
                           const uint8_t[::1] pulse_port, size_t[::1] off, double[::1] st_t,
                           double[::1] st_w, uint8_t[::1] st_p) noexcept nogil:
    """This step's pulses (from q on, before t1), grouped by target with a
    stable counting sort into the step's CSR arrays; returns the next q."""
    cdef Py_ssize_t n = off.shape[0] - 1, n_pulses = pulse_t.shape[0], q_end = q, i, j
    while q_end < n_pulses and pulse_t[q_end] < t1:
        q_end += 1
    for i in range(n + 1):
        off[i] = 0
    for j in range(q, q_end):
        off[pulse_i[j] + 1] += 1
    for i in range(n):
        off[i + 1] += off[i]
    for j in range(q, q_end):
        i = pulse_i[j]
        st_t[off[i]] = pulse_t[j]
        st_w[off[i]] = pulse_w[j]
        st_p[off[i]] = pulse_port[j]
        off[i] += 1
    for i in range(n, 0, -1):
        off[i] = off[i - 1]
    off[0] = 0
    return q_end


cdef int find_model(str name, dict syn, clif_syn_params *q) except -1:
    cdef int model = model_find(name.encode())
    if model < 0:
        raise ValueError(f"unknown model {name!r}")
    q.tau_syn_ex = syn.get("tau_syn_ex", 2.0)
    q.tau_syn_in = syn.get("tau_syn_in", 2.0)
    cdef clif_status st = check_syn_params(model, q)
    if st != CLIF_OK:
        raise ValueError(strerror(st).decode())
    return model


cdef run_steps(int model, bint exact, dict params, const clif_syn_params *q, double[::1] I_e,
               double t_stop, double h, double[::1] pulse_t, int64_t[::1] pulse_i,
               double[::1] pulse_w, pulse_port):
    """The host's grid loop: exact_step on clif_exact_state (exact), else
    model_step on clif_model_state; (times, senders) in step order."""
    cdef clif_params p = make_params(params)
    cdef Py_ssize_t n = I_e.shape[0], n_pulses = pulse_t.shape[0]
    cdef clif_drive[::1] drive = np.zeros(n, dtype=[("I_dc", "f8"), ("I0", "f8"), ("f", "f8"),
                                                    ("phase", "f8")])
    cdef clif_exact_state[::1] es = np.zeros(n if exact else 1, dtype=[
        ("t", "f8"), ("t0", "f8"), ("V0", "f8"), ("t_ref_end", "f8")])
    cdef clif_model_state[::1] ms = np.zeros(1 if exact else n, dtype=[
        ("t", "f8"), ("t0", "f8"), ("V0", "f8"), ("t_ref_end", "f8"), ("y", "f8", (4,))])
    cdef size_t[::1] off = np.zeros(n + 1, dtype=np.uintp)
    cdef double[::1] st_t = np.empty(max(n_pulses, 1)), st_w = np.empty(max(n_pulses, 1))
    cdef uint8_t[::1] ports = (np.zeros(n_pulses, dtype=np.uint8) if pulse_port is None
                               else np.ascontiguousarray(pulse_port, dtype=np.uint8))
    cdef uint8_t[::1] st_p = np.empty(max(n_pulses, 1), dtype=np.uint8)
    cdef const uint8_t *port_arg = NULL if pulse_port is None else &st_p[0]
    cdef double[::1] sp_dt = np.empty(SPIKE_ROOM)
    cdef int64_t[::1] sp_i = np.empty(SPIKE_ROOM, dtype=np.int64)
    out_t, out_i = [], []
    cdef Py_ssize_t i, qi = 0, m
    cdef long long k, steps = llround(t_stop / h)
    cdef double t0, t1
    cdef size_t n_spikes, resume
    cdef clif_status status
    cdef clif_step_input inp
    if ports.shape[0] != n_pulses:
        raise ValueError("pulse_port must have one port per pulse")
    for i in range(n):
        drive[i].I_dc = I_e[i]
        if exact:
            exact_init(&es[i], 0.0, params["E_L"])
        else:
            model_init(&ms[i], 0.0, params["E_L"])
    inp.change_off = NULL
    inp.change_t = NULL
    inp.change_I = NULL
    inp.pulse_off = &off[0]
    inp.pulse_t = &st_t[0]
    inp.pulse_w = &st_w[0]
    for k in range(steps):
        t0 = k * h
        t1 = (k + 1) * h
        with nogil:
            qi = group_step(qi, t1, pulse_t, pulse_i, pulse_w, ports, off, st_t, st_w, st_p)
            if exact:
                status = exact_step(0, n, &p, 0, &drive[0], &es[0], t0, t1 - t0, &inp,
                                    CLIF_REFRACTORY_DROP, &sp_dt[0], &sp_i[0], SPIKE_ROOM,
                                    &n_spikes, &resume)
            else:
                # Shared parameters (strides 0): one propagator for the population.
                status = model_step(model, 0, n, &p, 0, q, 0, &drive[0], &ms[0], t0, t1 - t0,
                                    &inp, port_arg, CLIF_REFRACTORY_DROP, &sp_dt[0], &sp_i[0],
                                    SPIKE_ROOM, &n_spikes, &resume)
        if status != CLIF_OK:
            raise RuntimeError(f"step {k}, neuron {resume}: {strerror(status).decode()}")
        for m in range(<Py_ssize_t>n_spikes):
            out_t.append(t0 + sp_dt[m])
            out_i.append(sp_i[m])
    return np.array(out_t, dtype=np.float64), np.array(out_i, dtype=np.int64)


def step_exact(dict params, double[::1] I_e, double t_stop, double h,
               double[::1] pulse_t, int64_t[::1] pulse_i, double[::1] pulse_w):
    """Step len(I_e) delta neurons over [0, t_stop) on a grid of h ms with
    exact_step.

    Pulses (absolute times, targets, weights mV) must be sorted by time.
    Returns (times, senders) in the order the steps produced them.
    """
    return run_steps(0, True, params, NULL, I_e, t_stop, h, pulse_t, pulse_i, pulse_w, None)


def step_model(str model_name, dict params, dict syn, double[::1] I_e, double t_stop, double h,
               double[::1] pulse_t, int64_t[::1] pulse_i, double[::1] pulse_w,
               pulse_port=None):
    """Step len(I_e) neurons of a model ("delta", "psc_exp", "psc_alpha")
    over [0, t_stop) on a grid of h ms with model_step.

    Pulses must be sorted by time: absolute times [ms], targets, weights [nA
    for the current models, mV for delta] and optional ports (0 = ex, 1 =
    in; None: by the weight's sign).  syn: tau_syn_ex, tau_syn_in [ms]
    (default 2).  Returns (times, senders) in the order the steps produced
    them.
    """
    cdef clif_syn_params q
    cdef int model = find_model(model_name, syn, &q)
    return run_steps(model, False, params, &q, I_e, t_stop, h, pulse_t, pulse_i, pulse_w,
                     pulse_port)


def advance_model(str model_name, dict params, dict syn, double I_e, double t_stop,
                  double[::1] pulse_t, double[::1] pulse_w, pulse_port=None):
    """One neuron of a model from 0 to t_stop in one model_advance call, as
    an event-driven host would: its pulses sorted by time (weights [nA] for
    the current models, ports as in step_model).  Returns the spike times
    [ms]."""
    cdef clif_params p = make_params(params)
    cdef clif_syn_params q
    cdef int model = find_model(model_name, syn, &q)
    cdef clif_drive d
    cdef clif_model_state s
    cdef Py_ssize_t n_pulses = pulse_t.shape[0]
    cdef uint8_t[::1] ports = np.ascontiguousarray(
        np.zeros(n_pulses) if pulse_port is None else pulse_port, dtype=np.uint8)
    cdef const uint8_t *port_arg = NULL if pulse_port is None or n_pulses == 0 else &ports[0]
    cdef double[::1] spikes = np.empty(SPIKE_ROOM)
    cdef size_t next_pulse = 0, n_spikes = 0
    cdef clif_status status
    d.I_dc = I_e
    d.I0 = d.f = d.phase = 0.0
    model_init(&s, 0.0, params["E_L"])
    with nogil:
        status = model_advance(model, &p, &q, &d, &s, t_stop,
                               &pulse_t[0] if n_pulses else NULL,
                               &pulse_w[0] if n_pulses else NULL, port_arg, n_pulses,
                               &next_pulse, CLIF_REFRACTORY_DROP, &spikes[0], SPIKE_ROOM,
                               &n_spikes)
    if status != CLIF_OK:
        raise RuntimeError(strerror(status).decode())
    return np.asarray(spikes[:n_spikes]).copy()


def step_noisy(dict params, double[::1] I_e, double sigma, double t_stop, double dt,
               uint64_t seed):
    """Step len(I_e) noisy neurons one grid point at a time (exact method).
    Returns (times, senders)."""
    cdef clif_params p = make_params(params)
    cdef Py_ssize_t n = I_e.shape[0], i
    props = np.zeros(n, dtype=np.dtype((np.void, sizeof(clif_noise_prop))))
    cdef clif_noise_prop *prop = <clif_noise_prop *><size_t>props.ctypes.data
    states = np.zeros(n, dtype=np.dtype((np.void, sizeof(clif_noise_state))))
    cdef clif_noise_state *state = <clif_noise_state *><size_t>states.ctypes.data
    cdef double[::1] times = np.empty(SPIKE_ROOM)
    cdef int64_t[::1] senders = np.empty(SPIKE_ROOM, dtype=np.int64)
    cdef clif_noise_drive drive
    cdef clif_noise_spikes spk
    cdef clif_status status
    cdef long long k, steps = llround(t_stop / dt)
    drive.n_changes = 0
    drive.change_step = NULL
    drive.change_value = NULL
    drive.ld = 0
    drive.sine = 0
    drive.omega = 0.0
    drive.phase = 0.0
    for i in range(n):
        status = noise_prepare(&p, I_e[i], sigma, 0.0, 0.0, dt, &prop[i])
        if status != CLIF_OK:
            raise ValueError(strerror(status).decode())
        state[i].V = params["E_L"]
        state[i].step = 0
        state[i].ref_step = 0
        state[i].ref_frac = 0.0
    out_t, out_i = [], []
    for k in range(steps):
        spk.times = &times[0]
        spk.senders = &senders[0]
        spk.capacity = SPIKE_ROOM
        spk.count = 0
        with nogil:
            status = noise_run(n, prop, state, &drive, dt, CLIF_NOISE_EXACT, seed, 0, k + 1,
                               &spk, NULL)
        if status != CLIF_OK:
            raise RuntimeError(f"step {k}: {strerror(status).decode()}")
        for i in range(<Py_ssize_t>spk.count):
            out_t.append(times[i])
            out_i.append(senders[i])
    return np.array(out_t, dtype=np.float64), np.array(out_i, dtype=np.int64)
