"""Run under mpiexec by tests/test_mpi.py: prints a digest of the spikes."""
import hashlib
import sys

import numpy as np

import clif
import clif.network

kind, T, threads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
if kind == "brunel":
    net = clif.network.brunel(N=2000, seed=5)
elif kind == "brunel_spread":   # several delays: the one draw of delay indices
    net = clif.network.brunel(N=2000, seed=5, D_spread=0.6)
elif kind in ("share_brunel", "share_connectome"):
    # The generators build only this rank's share: print its synapse count.
    net = (clif.network.brunel(N=2000, seed=5) if kind == "share_brunel" else
           clif.network.random_connectome(2000, 100, delay=(1.0, 3.0), seed=7))
    rank = 0 if net.comm is None else net.comm.Get_rank()
    print(f"SHARE {rank} {net.n_synapses}", flush=True)
    sys.exit(0)
elif kind == "brunel_exp":
    net = clif.network.brunel(N=2000, seed=5, model="psc_exp")
elif kind == "sources":
    # Poisson and given-train sources onto a psc_exp network (every rank
    # draws the same source spikes and keeps the synapses onto its neurons).
    net = clif.network.brunel(N=1500, seed=4, model="psc_exp", eta=0.0)
    exc = np.asarray(net.populations["E"])
    src = net.add_poisson_source(exc.size, 12000.0)
    net.connect(src, exc, weight=0.09, delay=1.5)
    arr = net.add_spike_source([np.arange(5.0, 100.0, 7.3)] * 10)
    net.connect(arr, np.arange(0, 1500, 150), weight=0.4, delay=2.7)
elif kind == "connectome":
    net = clif.network.random_connectome(2000, 100, delay=(1.0, 3.0), seed=7)
elif kind == "local":
    # Each rank connects only the synapses onto its own neurons.
    rng = np.random.default_rng(3)
    pre = rng.integers(0, 500, 50000)
    post = rng.integers(0, 500, 50000)
    dly = 1.0 + 0.5 * rng.integers(0, 4, 50000)
    net = clif.Network(seed=2)
    net.add_population(500, ext_rate=8000.0, ext_weight=0.2, name="E")
    if sys.argv[4] == "local":
        lo, hi = (0, 500) if net.comm is None else net.local_range()
        m = (post >= lo) & (post < hi)
        net.connect(pre[m], post[m], 0.3, dly[m])
    else:
        net.connect(pre, post, 0.3, dly)
elif kind == "fail":
    net = clif.network.brunel(N=500, seed=1)
    rank = 0 if net.comm is None else net.comm.Get_rank()
    try:
        net.run(T, max_spikes=10 if rank == 1 else None)
    except Exception as e:
        print(f"ERR {type(e).__name__}", flush=True)
        sys.exit(0)
    print("NOERR", flush=True)
    sys.exit(0)
elif kind in ("badinput", "recfail", "sigint"):
    net = clif.network.brunel(N=500 if kind != "sigint" else 2000, seed=1)
    rank = 0 if net.comm is None else net.comm.Get_rank()
    try:
        if kind == "badinput":     # bad input on rank 1 only, caught before any collective
            net.run(T, rate_bin=-1.0 if rank == 1 else 1.0)
        elif kind == "recfail":    # rank 1 fails recording after a window's exchange
            net.run(1.0)
            net._sim.run(T, max_spikes=10 if rank == 1 else 10**8)
        else:
            print("RUNNING", flush=True)
            net.run(T, n_threads=threads)
    except (Exception, KeyboardInterrupt) as e:
        print(f"ERR {type(e).__name__}", flush=True)
        sys.exit(3)
    print("NOERR", flush=True)
    sys.exit(0)
res = net.run(T, n_threads=threads, rate_bin=10.0)
t, i = res.spikes.times, res.spikes.senders
h = hashlib.sha256(t.tobytes() + i.astype(np.int64).tobytes()).hexdigest()
rank = 0 if net.comm is None else net.comm.Get_rank()
if rank == 0:
    print(f"DIGEST {t.size} {h}", flush=True)
