"""One PyNN script, two backends: the Brunel (2000) network (IF_curr_delta,
g = 5, eta = 2, J = 0.1 mV, D = 1.5 ms, one Poisson train per neuron) run
unchanged on clif.pynn and on pyNN.nest, with the mean-field prediction.

    python bench/pynn_brunel.py --backend clif [--N 2000] [--T 1000] [--seed 7]
    /opt/venv-nest/bin/python bench/pynn_brunel.py --backend nest

Prints one JSON line: the E population's mean rate [Hz], the standard
error of that mean over neurons, C_E, C_I, build and run wall times [s]
(one process; not a controlled benchmark: see bench/README.md)."""
import argparse
import importlib
import json
import time

import numpy as np


def brunel(sim, N_E=2000, eps=0.1, g=5.0, eta=2.0, J=0.1, D=1.5, T=1000.0, seed=7,
           threads=1):
    N_I = N_E // 4
    C_E, C_I = int(eps * N_E), int(eps * N_I)
    tau, theta = 20.0, 20.0
    nu_ext = eta * theta / (J * C_E * tau) * C_E * 1000.0  # Hz, one Poisson train per neuron
    t0 = time.perf_counter()
    sim.setup(timestep=0.1, min_delay=D, max_delay=D, rng_seed=seed, threads=threads)
    cell = sim.IF_curr_delta(tau_m=tau, cm=0.25, v_rest=0.0, v_thresh=theta, v_reset=10.0,
                             tau_refrac=2.0, i_offset=0.0)
    E = sim.Population(N_E, cell)
    I = sim.Population(N_I, cell)
    noise_E = sim.Population(N_E, sim.SpikeSourcePoisson(rate=nu_ext))
    noise_I = sim.Population(N_I, sim.SpikeSourcePoisson(rate=nu_ext))
    rng = sim.NumpyRNG(seed=seed)
    syn_E = sim.StaticSynapse(weight=J, delay=D)
    syn_I = sim.StaticSynapse(weight=-g * J, delay=D)
    for post in (E, I):
        sim.Projection(E, post, sim.FixedNumberPreConnector(C_E, rng=rng), syn_E,
                       receptor_type="excitatory")
        sim.Projection(I, post, sim.FixedNumberPreConnector(C_I, rng=rng), syn_I,
                       receptor_type="inhibitory")
    sim.Projection(noise_E, E, sim.OneToOneConnector(), syn_E, receptor_type="excitatory")
    sim.Projection(noise_I, I, sim.OneToOneConnector(), syn_E, receptor_type="excitatory")
    E.record("spikes")
    t1 = time.perf_counter()
    sim.run(T)
    t2 = time.perf_counter()
    counts = np.array(list(E.get_spike_counts().values()), float)
    sim.end()
    rates = counts / (T / 1000.0)
    return dict(rate=float(rates.mean()), se=float(rates.std() / np.sqrt(rates.size)),
                C_E=C_E, C_I=C_I, N_E=N_E, T=T, seed=seed, build_s=t1 - t0, run_s=t2 - t1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["clif", "nest"], required=True)
    ap.add_argument("--N", type=int, default=2000, help="excitatory neurons (N_I = N / 4)")
    ap.add_argument("--T", type=float, default=1000.0, help="ms")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    sim = importlib.import_module("clif.pynn" if a.backend == "clif" else "pyNN.nest")
    out = brunel(sim, N_E=a.N, T=a.T, seed=a.seed, threads=a.threads)
    out["backend"] = a.backend
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
