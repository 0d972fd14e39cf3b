"""Build time of a Brunel network through clif.pynn (PyNN connectors ->
clif's CSR).  Usage: python bench/pynn_build.py [N_total] [epsilon] [T_ms]"""
import sys
import time

import numpy as np

import clif.pynn as sim

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
eps = float(sys.argv[2]) if len(sys.argv) > 2 else 0.1
T = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
N_E = N * 4 // 5
N_I = N - N_E
C_E, C_I = int(eps * N_E), int(eps * N_I)
J, g, D = 0.1, 5.0, 1.5
t0 = time.perf_counter()
sim.setup(timestep=0.1, min_delay=D, rng_seed=1)
cell = sim.IF_curr_delta(tau_m=20.0, v_rest=0.0, v_thresh=20.0, v_reset=10.0, tau_refrac=2.0)
E, I = sim.Population(N_E, cell), sim.Population(N_I, cell)
rng = sim.NumpyRNG(seed=1)
for post in (E, I):
    sim.Projection(E, post, sim.FixedNumberPreConnector(C_E, rng=rng),
                   sim.StaticSynapse(weight=J, delay=D))
    sim.Projection(I, post, sim.FixedNumberPreConnector(C_I, rng=rng),
                   sim.StaticSynapse(weight=-g * J, delay=D), receptor_type="inhibitory")
t1 = time.perf_counter()
m = sum(len(p) for p in sim.simulator.state.projections)
print(f"N={N} synapses={m} PyNN build {t1 - t0:.2f} s")
if T:
    sim.run(T)
    print(f"run {T} ms (incl. clif CSR build) {time.perf_counter() - t1:.2f} s")
