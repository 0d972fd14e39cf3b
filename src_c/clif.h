/*
 * clif.h -- the public C API of clif, the leaky integrate-and-fire kernel.
 *
 * This is the one header a host program includes.  It is pure C99: no Python,
 * no numpy, no global state.  The caller owns every buffer; every function
 * that can fail returns a clif_status and never aborts or prints.
 *
 * Units (PyNN's consistent set): ms, mV, nA, nF, MOhm, rates in Hz.
 * R_m [MOhm] * I [nA] = mV;  R_m [MOhm] * C_m [nF] = tau_m [ms].
 *
 * Sections for the later capabilities live in their own headers, included at
 * the end, so that each capability is named the same on every floor:
 *   closed forms   clif.h (this file)      src_c/closed_form.c
 *   exact events   clif_exact.h            src_c/exact.c
 *   noise + RNG    clif_noise.h            src_c/noise.c, src_c/rng.c
 *   stepping       clif_step.h             src_c/step.c
 *   networks       clif_network.h          src_c/network.c
 *   models         clif_model.h            src_c/model.c, src_c/models/<model>.c
 */
#ifndef CLIF_H
#define CLIF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versioning ------------------------------------------------------- */
/* A host can check these at compile time; clif_version() reports the value
 * the library was built with, so a mismatch between header and binary can be
 * detected at run time too.  CLIF_ABI_VERSION changes whenever a struct
 * layout or an exported signature changes. */
#define CLIF_VERSION_MAJOR 0
#define CLIF_VERSION_MINOR 1
#define CLIF_VERSION_PATCH 0
#define CLIF_VERSION_STRING "0.1.0"
#define CLIF_VERSION_HEX \
    ((CLIF_VERSION_MAJOR << 16) | (CLIF_VERSION_MINOR << 8) | CLIF_VERSION_PATCH)
/* 2: clif_net grew model and syn.  3: clif_net.model_of; clif_model_step
 * (clif_step.h); the model functions in clif.cython_api. */
#define CLIF_ABI_VERSION 3

unsigned int clif_version(void);     /* CLIF_VERSION_HEX of the build */
unsigned int clif_abi_version(void); /* CLIF_ABI_VERSION of the build */

/* ---- status codes ----------------------------------------------------- */
/* Values are part of the ABI: new codes are only ever appended. */
typedef enum clif_status {
    CLIF_OK = 0,
    CLIF_E_TAU_M = 1,     /* tau_m not finite or <= 0 */
    CLIF_E_R_M = 2,       /* R_m not finite or <= 0 */
    CLIF_E_E_L = 3,       /* E_L not finite */
    CLIF_E_V_TH = 4,      /* V_th not finite */
    CLIF_E_V_RESET = 5,   /* V_reset not finite or >= V_th */
    CLIF_E_T_REF = 6,     /* t_ref not finite or < 0 */
    CLIF_E_NULL = 7,      /* a required pointer is NULL */
    CLIF_E_SIZE = 8,      /* a count or size is negative or too large */
    CLIF_E_TIME = 9,      /* a time is NaN, infinite or negative */
    CLIF_E_UNSORTED = 10, /* times that must be sorted are not */
    CLIF_E_TARGET = 11,   /* a neuron index is out of range */
    CLIF_E_VALUE = 12,    /* an input value (current, weight, V) is not finite */
    CLIF_E_CAPACITY = 13, /* an output buffer is full; nothing was lost, see docs */
    CLIF_E_DT = 14,       /* the time step is not finite or <= 0 */
    CLIF_E_SIGMA = 15,    /* the noise amplitude is not finite or < 0 */
    CLIF_E_NOCONVERGE = 16, /* a root finder failed to converge */
    CLIF_E_DELAY = 17,    /* a synaptic delay is invalid (< d_min or not finite) */
    CLIF_E_FREQ = 18,     /* a frequency is not finite or < 0 */
    CLIF_E_INTERRUPTED = 19, /* the host asked the kernel to stop */
    CLIF_E_NOMEM = 20,    /* an allocation requested by the host failed */
    CLIF_E_TAU_SYN = 21,  /* a synaptic time constant is not finite or <= 0 */
    CLIF_E_MODEL = 22,    /* unknown model, or an input the model does not take */
    CLIF_E__COUNT         /* number of codes; not a status */
} clif_status;

/* A static, human-readable message for a status (never NULL). */
const char *clif_strerror(clif_status status);

/* ---- parameters ------------------------------------------------------- */
/* What the user sets.  C_m is derived (tau_m / R_m) and so is not stored:
 * one source of truth.  The bias current I_e is drive, not a parameter of
 * the membrane, and is passed separately where it applies. */
typedef struct clif_params {
    double tau_m;   /* membrane time constant [ms], > 0 */
    double R_m;     /* membrane resistance [MOhm], > 0 */
    double E_L;     /* resting potential [mV] */
    double V_th;    /* threshold [mV] */
    double V_reset; /* reset potential [mV], < V_th */
    double t_ref;   /* absolute refractory period [ms], >= 0 */
} clif_params;

/* The one validation every entry point uses.  Returns CLIF_OK or the code of
 * the first offending field (CLIF_E_NULL for p == NULL). */
clif_status clif_check_params(const clif_params *p);

/* ---- closed forms (src_c/closed_form.c) ------------------------------- */
/* Scalar versions.  They assume valid parameters (clif_check_params) and
 * return NaN when they are not, never crash.  Currents are in nA.  (No
 * parameter is called I: complex.h defines that macro.) */
double clif_isi(const clif_params *p, double current);   /* ms; +inf at or below rheobase */
double clif_rate(const clif_params *p, double current); /* Hz; exactly 0 at or below rheobase */
double clif_rheobase(const clif_params *p);        /* nA */
/* Inverse f-I curve: the current whose rate is f [Hz].  f == 0 gives the
 * rheobase (the edge of the silent range); f < 0, f >= 1000/t_ref or NaN
 * give NaN. */
double clif_current_for_rate(const clif_params *p, double f);
/* Peak of two EPSPs of size V1 [mV] dt [ms] apart: V1 (1 + exp(-dt/tau_m)).
 * NaN for dt < 0 or tau_m <= 0. */
double clif_summation_peak(double V1, double dt, double tau_m);
/* Steady-state cutoff [Hz] of the sinusoid I_dc + I0 sin(w t): the largest
 * frequency at which the steady-state oscillation still reaches V_th.
 * +inf when I_dc alone is above rheobase, 0 when even DC amplitude |I0|
 * does not get strictly above threshold. */
double clif_cutoff_frequency(const clif_params *p, double I0, double I_dc);
/* V(t) [mV] under constant current I from V0, without threshold. */
double clif_free_potential(const clif_params *p, double t, double current, double V0);

/* Strided loops over n elements, laid out like a numpy ufunc inner loop:
 * args[k] points at the k-th operand, steps[k] is its stride in bytes.  The
 * inputs are (I, tau_m, R_m, E_L, V_th, V_reset, t_ref) and the output comes
 * last (args[7]).  Elements with invalid parameters give NaN.  When every
 * parameter stride is 0 and I and the output are contiguous the loops run a
 * vectorised kernel. */
void clif_isi_strided(ptrdiff_t n, char *const *args, const ptrdiff_t *steps);
void clif_rate_strided(ptrdiff_t n, char *const *args, const ptrdiff_t *steps);
/* Same layout, first input f [Hz] instead of I. */
void clif_current_for_rate_strided(ptrdiff_t n, char *const *args, const ptrdiff_t *steps);
/* (I0, I_dc, tau_m, R_m, E_L, V_th) -> Hz */
void clif_cutoff_frequency_strided(ptrdiff_t n, char *const *args, const ptrdiff_t *steps);
/* (t, I, V0, tau_m, R_m, E_L) -> mV */
void clif_free_potential_strided(ptrdiff_t n, char *const *args, const ptrdiff_t *steps);
/* (V1, dt, tau_m) -> mV */
void clif_summation_peak_strided(ptrdiff_t n, char *const *args, const ptrdiff_t *steps);

#ifdef __cplusplus
}
#endif

#include "clif_exact.h"
#include "clif_noise.h"
#include "clif_model.h" /* before clif_step.h, which uses its structs */
#include "clif_step.h"
#include "clif_network.h"

#endif /* CLIF_H */
