/* A host simulator with a 0.1 ms clock that embeds clif's kernel through the
 * C API alone (no Python).  It steps a small population with the stepping
 * API, checks the spike times against the closed-form ISI, steps a neuron
 * with exponential synaptic currents (psc_exp) through a pulse train and
 * checks it against one event-driven advance, then steps a noisy population
 * with the stochastic integrator one grid point at a time.
 *
 *   make && ./embed_demo          (builds ../../src_c/build/libclif.a first)
 */
#include <clif.h>

#include <math.h>
#include <stdio.h>

#if CLIF_ABI_VERSION != 3
#error "this host was written against clif ABI version 3"
#endif

enum { N = 4, NOISY = 200, CAP = 64 };

static int deterministic(void)
{
    const double h = 0.1, t_stop = 1000.0;
    const clif_params p = {20.0, 20.0, -70.0, -50.0, -70.0, 2.0};
    const double I[N] = {0.9, 1.5, 2.0, 4.0}; /* nA; the first is below rheobase */
    clif_drive drive[N];
    clif_exact_state state[N];
    double first[N], last[N];
    long count[N];
    for (int i = 0; i < N; ++i) {
        drive[i] = (clif_drive){I[i], 0.0, 0.0, 0.0};
        clif_exact_init(&state[i], 0.0, p.E_L);
        count[i] = 0;
        first[i] = last[i] = NAN;
    }
    const clif_step_input nothing = {0};
    double spike_dt[CAP];
    int64_t spike_i[CAP];
    const long steps = lround(t_stop / h);
    for (long k = 0; k < steps; ++k) {
        /* The grid time is k * h, never a running sum. */
        const double t0 = k * h;
        size_t n_spikes, resume;
        clif_status st = clif_exact_step(0, N, &p, 0, drive, state, t0, (k + 1) * h - t0,
                                         &nothing, CLIF_REFRACTORY_DROP, spike_dt, spike_i, CAP,
                                         &n_spikes, &resume);
        if (st != CLIF_OK) {
            fprintf(stderr, "step %ld, neuron %zu: %s\n", k, resume, clif_strerror(st));
            return 1;
        }
        for (size_t m = 0; m < n_spikes; ++m) {
            const int64_t i = spike_i[m];
            const double t = t0 + spike_dt[m];
            if (count[i]++ == 0)
                first[i] = t;
            last[i] = t;
        }
    }
    int bad = 0;
    printf("deterministic: %d neurons, 1 s on a %.1f ms grid\n", N, h);
    for (int i = 0; i < N; ++i) {
        const double T = clif_isi(&p, I[i]);
        const double isi = count[i] > 1 ? (last[i] - first[i]) / (double)(count[i] - 1) : INFINITY;
        const int ok = count[i] > 1 ? fabs(isi - T) <= 1e-9 * T : isinf(T) && count[i] == 0;
        printf("  I = %.2f nA: %4ld spikes, mean ISI %.12f ms, closed form %.12f ms %s\n", I[i],
               count[i], isi, T, ok ? "ok" : "MISMATCH");
        bad |= !ok;
    }
    return bad;
}

/* psc_exp: a pulse of w [nA] to I_ex every 2.5 ms, off the grid.  Stepped,
 * it must give the spikes of one clif_model_advance over the whole run. */
static int synaptic(void)
{
    enum { NP = 400 };
    const double h = 0.1, w = 1.2;
    const clif_params p = {20.0, 20.0, -70.0, -50.0, -70.0, 2.0};
    const clif_syn_params syn = {2.0, 5.0}; /* tau_syn_ex, tau_syn_in [ms] */
    double pt[NP], pw[NP];
    for (int k = 0; k < NP; ++k) {
        pt[k] = 0.73 + 2.5 * k;
        pw[k] = w;
    }
    const long steps = lround(1000.0 / h);
    clif_drive drive = {0.5, 0.0, 0.0, 0.0}; /* 0.5 nA: below rheobase alone */
    clif_model_state state;
    clif_model_init(&state, 0.0, p.E_L);
    double stepped[CAP * 4];
    size_t n_stepped = 0, q = 0;
    for (long k = 0; k < steps; ++k) {
        const double t0 = k * h, t1 = (k + 1) * h;
        size_t end = q;
        while (end < NP && pt[end] < t1)
            ++end;
        /* This step's pulses: one CSR group, offsets relative to pt + q. */
        const size_t off[2] = {0, end - q};
        const clif_step_input in = {NULL, NULL, NULL, off, pt + q, pw + q};
        double dt[CAP];
        int64_t who[CAP];
        size_t n_spikes, resume;
        /* NULL ports: by the weight's sign, w >= 0 excitatory (NEST's rule). */
        clif_status st = clif_model_step(CLIF_MODEL_PSC_EXP, 0, 1, &p, 0, &syn, 0, &drive, &state,
                                         t0, t1 - t0, &in, NULL, CLIF_REFRACTORY_DROP, dt, who,
                                         CAP, &n_spikes, &resume);
        if (st != CLIF_OK) {
            fprintf(stderr, "psc step %ld: %s\n", k, clif_strerror(st));
            return 1;
        }
        for (size_t m = 0; m < n_spikes && n_stepped < CAP * 4; ++m)
            stepped[n_stepped++] = t0 + dt[m];
        q = end;
    }
    clif_model_state one;
    clif_model_init(&one, 0.0, p.E_L);
    const clif_drive d = {0.5, 0.0, 0.0, 0.0};
    double ref[CAP * 4];
    size_t next = 0, n_ref = 0;
    clif_status st = clif_model_advance(CLIF_MODEL_PSC_EXP, &p, &syn, &d, &one, steps * h, pt, pw,
                                        NULL, NP, &next, CLIF_REFRACTORY_DROP, ref, CAP * 4,
                                        &n_ref);
    int ok = st == CLIF_OK && n_ref == n_stepped && n_ref > 10;
    for (size_t m = 0; ok && m < n_ref; ++m)
        ok = ref[m] == stepped[m];
    printf("psc_exp: %zu spikes stepped, %zu in one advance, bit for bit %s\n", n_stepped, n_ref,
           ok ? "ok" : "MISMATCH");
    return !ok;
}

static int noisy(void)
{
    const double dt = 0.1;
    const int64_t steps = 10000; /* 1 s */
    const clif_params p = {20.0, 20.0, -70.0, -50.0, -70.0, 2.0};
    static clif_noise_prop prop[NOISY];
    static clif_noise_state state[NOISY];
    static double times[CAP * 4];
    static int64_t senders[CAP * 4];
    for (int i = 0; i < NOISY; ++i) {
        /* 0.9 nA is below rheobase: only the noise (sigma 5 mV) makes it fire. */
        clif_status st = clif_noise_prepare(&p, 0.9, 5.0, 0.0, 0.0, dt, &prop[i]);
        if (st != CLIF_OK) {
            fprintf(stderr, "prepare: %s\n", clif_strerror(st));
            return 1;
        }
        state[i] = (clif_noise_state){p.E_L, 0, 0, 0.0};
    }
    const clif_noise_drive drive = {0};
    long total = 0;
    for (int64_t k = 0; k < steps; ++k) {
        clif_noise_spikes out = {times, senders, CAP * 4, 0};
        clif_status st = clif_noise_run(NOISY, prop, state, &drive, dt, CLIF_NOISE_EXACT,
                                        12345u, 0u, k + 1, &out, NULL);
        if (st != CLIF_OK) {
            fprintf(stderr, "noise step %lld: %s\n", (long long)k, clif_strerror(st));
            return 1;
        }
        total += (long)out.count;
    }
    printf("noisy: %d neurons below rheobase, sigma 5 mV: %.2f Hz\n", NOISY,
           total / (double)NOISY);
    return total > 0 ? 0 : 1;
}

int main(void)
{
    printf("clif %s (ABI %u)\n", CLIF_VERSION_STRING, clif_abi_version());
    const int bad = deterministic() | synaptic() | noisy();
    printf(bad ? "FAILED\n" : "ok\n");
    return bad;
}
