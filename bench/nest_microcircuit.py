"""The microcircuit in NEST 3 (iaf_psc_exp or iaf_psc_exp_ps), from the same
parameters and derivation as clif.microcircuit (imported from its
MICROCIRCUIT table, the formulas re-derived here as in NEST's example).

    /opt/venv-nest/bin/python bench/nest_microcircuit.py SCALE K_SCALE INPUT SEED
        [--model iaf_psc_exp] [--t-warm 100] [--t-sim 1000] [--threads 1]

Prints one JSON line: rates per population [Hz] over the t_sim after t_warm,
build and sim wall times [s], peak RSS [MiB].  Run with PYTHONPATH=<repo> so
that clif/microcircuit.py's parameter table can be read (it is parsed with
ast: clif's compiled parts are not needed)."""
import argparse, ast, json, os, resource, sys, time
import numpy as np

def table():
    src = open(os.path.join(os.path.dirname(__file__), "..", "clif", "microcircuit.py")).read()
    tree = ast.parse(src)
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MICROCIRCUIT":
            code = compile(ast.Expression(node.value), "mc", "eval")
            return eval(code, {"np": np, "POPULATIONS": None})
    raise RuntimeError

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scale", type=float); ap.add_argument("k_scale", type=float)
    ap.add_argument("input"); ap.add_argument("seed", type=int)
    ap.add_argument("--model", default="iaf_psc_exp")
    ap.add_argument("--t-warm", type=float, default=100.0)
    ap.add_argument("--t-sim", type=float, default=1000.0)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    P = table()
    import nest
    nest.set_verbosity("M_ERROR")
    t0 = time.perf_counter()
    nest.ResetKernel()
    nest.local_num_threads = a.threads
    nest.resolution = 0.1
    nest.rng_seed = a.seed
    nr = P["neuron"]
    full_n = P["full_num_neurons"].astype(float)
    prod = np.outer(full_n, full_n)
    full_syn = np.log(1.0 - P["conn_probs"]) / np.log((prod - 1.0) / prod)
    n_pop = np.round(full_n * a.scale).astype(int)
    n_syn = np.round(full_syn * a.scale * a.k_scale).astype(int)
    K_ext = np.round(P["K_ext"] * a.k_scale).astype(int)
    # PSC amplitude [pA] per PSP peak [mV] of iaf_psc_exp (NEST example's helpers)
    C, tm, ts = nr["C_m"] * 1000.0, nr["tau_m"], nr["tau_syn"]
    t_peak = tm * ts / (tm - ts) * np.log(tm / ts)
    pp = 1.0 / (tm * ts / (C * (tm - ts)) * (np.exp(-t_peak / tm) - np.exp(-t_peak / ts)))
    psp = np.full((8, 8), P["PSP_exc_mean"]); psp[:, 1::2] *= P["g"]; psp[0, 2] *= 2
    W = psp * pp
    w_ext = P["PSP_exc_mean"] * pp
    dc = np.zeros(8) if a.input == "poisson" else P["bg_rate"] * K_ext * ts * 1e-3 * w_ext
    if a.k_scale != 1:
        indeg = full_syn / full_n[:, None]
        rec = np.sum(W * indeg * P["full_mean_rates"], axis=1)
        dc = dc + 1e-3 * ts * (1 - np.sqrt(a.k_scale)) * rec
        if a.input == "poisson":
            dc = dc + 1e-3 * ts * (1 - np.sqrt(a.k_scale)) * w_ext * P["K_ext"] * P["bg_rate"]
        W = W / np.sqrt(a.k_scale); w_ext = w_ext / np.sqrt(a.k_scale)
    pops = []
    for k in range(8):
        p = nest.Create(a.model, n_pop[k], params=dict(
            C_m=C, tau_m=tm, t_ref=nr["t_ref"], E_L=nr["E_L"], V_reset=nr["V_reset"],
            V_th=nr["V_th"], tau_syn_ex=ts, tau_syn_in=ts, I_e=float(dc[k])))
        p.V_m = nest.random.normal(mean=P["V0_mean"][k], std=P["V0_std"][k])
        pops.append(p)
    sr = nest.Create("spike_recorder", 8)
    for k in range(8):
        nest.Connect(pops[k], sr[k])
    for i in range(8):
        for j in range(8):
            if n_syn[i, j] == 0:
                continue
            mu = W[i, j]
            lo, hi = (0.0, np.inf) if mu >= 0 else (-np.inf, 0.0)
            dm = P["delay_exc_mean"] if j % 2 == 0 else P["delay_inh_mean"]
            nest.Connect(pops[j], pops[i],
                         {"rule": "fixed_total_number", "N": int(n_syn[i, j])},
                         {"synapse_model": "static_synapse",
                          "weight": nest.math.redraw(nest.random.normal(mean=mu, std=abs(mu) * 0.1),
                                                     min=lo, max=hi),
                          "delay": nest.math.redraw(nest.random.normal(mean=dm, std=dm * 0.5),
                                                    min=0.1, max=np.inf)})
    if a.input == "poisson":
        gen = "poisson_generator_ps" if a.model.endswith("_ps") else "poisson_generator"
        for k in range(8):
            pg = nest.Create(gen, params={"rate": float(P["bg_rate"] * K_ext[k])})
            nest.Connect(pg, pops[k], syn_spec={"weight": float(w_ext), "delay": 1.5})
    nest.Prepare()
    build = time.perf_counter() - t0
    nest.Run(a.t_warm)
    n0 = [s.n_events for s in sr]
    t1 = time.perf_counter()
    nest.Run(a.t_sim)
    sim = time.perf_counter() - t1
    nest.Cleanup()
    names = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
    rates = {names[k]: (sr[k].n_events - n0[k]) / n_pop[k] / a.t_sim * 1000.0 for k in range(8)}
    print(json.dumps(dict(simulator=a.model, scale=a.scale, k_scale=a.k_scale, input=a.input,
                          seed=a.seed, rates=rates, build_s=build, sim_s=sim,
                          n_synapses=int(n_syn.sum()), n_neurons=int(n_pop.sum()),
                          peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))

if __name__ == "__main__":
    main()
