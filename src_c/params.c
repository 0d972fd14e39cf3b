/* Parameter validation, status messages and version queries: the pieces every
 * other part of the core relies on. */
#include "clif.h"

#include <math.h>

unsigned int clif_version(void) { return (unsigned int)CLIF_VERSION_HEX; }
unsigned int clif_abi_version(void) { return (unsigned int)CLIF_ABI_VERSION; }

/* Messages name the parameter and its valid range because the Python layer
 * shows them to the user as they are. */
static const char *const messages[CLIF_E__COUNT] = {
    "ok",
    "tau_m must be finite and > 0 (ms)",
    "R_m must be finite and > 0 (MOhm); C_m = tau_m / R_m must be finite and > 0 (nF)",
    "E_L must be finite (mV)",
    "V_th must be finite (mV)",
    "V_reset must be finite and < V_th (mV)",
    "t_ref must be finite and >= 0 (ms)",
    "a required pointer is NULL",
    "a count or size is negative or too large",
    "times must be finite and >= 0 (ms)",
    "times must be sorted in non-decreasing order",
    "a neuron index is out of range [0, n)",
    "input values (currents, weights, potentials) must be finite",
    "an output buffer is full",
    "dt must be finite and > 0 (ms)",
    "sigma must be finite and >= 0 (mV)",
    "the root finder did not converge",
    "delays must be finite and >= d_min > 0 (ms)",
    "frequencies must be finite and >= 0 (Hz)",
    "interrupted by the host",
    "out of memory",
    "tau_syn_ex and tau_syn_in must be finite and > 0 (ms)",
    "unknown model, or an input this model does not take",
};

const char *clif_strerror(clif_status status)
{
    if ((int)status < 0 || (int)status >= (int)CLIF_E__COUNT)
        return "unknown clif status";
    return messages[status];
}

clif_status clif_check_params(const clif_params *p)
{
    if (!p)
        return CLIF_E_NULL;
    /* The negated comparisons reject NaN as well as out-of-range values. */
    if (!(isfinite(p->tau_m) && p->tau_m > 0.0))
        return CLIF_E_TAU_M;
    if (!(isfinite(p->R_m) && p->R_m > 0.0) || !isfinite(p->tau_m / p->R_m)
        || !(p->tau_m / p->R_m > 0.0))
        return CLIF_E_R_M;
    if (!isfinite(p->E_L))
        return CLIF_E_E_L;
    /* The differences must be finite too: the closed forms divide by them. */
    if (!isfinite(p->V_th) || !isfinite(p->V_th - p->E_L))
        return CLIF_E_V_TH;
    if (!(isfinite(p->V_reset) && p->V_reset < p->V_th)
        || !isfinite(p->V_th - p->V_reset))
        return CLIF_E_V_RESET;
    if (!(isfinite(p->t_ref) && p->t_ref >= 0.0))
        return CLIF_E_T_REF;
    return CLIF_OK;
}
