/* The C ABI a host compiles against: status values, struct layouts and the
 * version macros.  A failure here means an ABI change: bump CLIF_ABI_VERSION
 * in clif.h and update these numbers in the same commit.  (clif_noise_prop
 * and the population structs are sized by the host from this header, so
 * they may grow between ABI versions only; not frozen here.) */
#include "clif.h"
#include "ctest.h"

#include <stddef.h>

int main(void)
{
    CHECK(CLIF_ABI_VERSION == 3); /* 2: clif_net grew model and syn; 3: model_of, the model stepping API */
    CHECK(clif_abi_version() == CLIF_ABI_VERSION);
    CHECK(clif_version() == CLIF_VERSION_HEX);
    CHECK(CLIF_VERSION_HEX == ((CLIF_VERSION_MAJOR << 16) | (CLIF_VERSION_MINOR << 8)
                               | CLIF_VERSION_PATCH));
    /* Status codes are only ever appended. */
    CHECK(CLIF_OK == 0 && CLIF_E_TAU_M == 1 && CLIF_E_T_REF == 6 && CLIF_E_NULL == 7);
    CHECK(CLIF_E_CAPACITY == 13 && CLIF_E_DT == 14 && CLIF_E_SIGMA == 15);
    CHECK(CLIF_E_NOMEM == 20 && CLIF_E_TAU_SYN == 21 && CLIF_E_MODEL == 22
          && CLIF_E__COUNT >= 23);
    CHECK(CLIF_MODEL_DELTA == 0 && CLIF_MODEL_PSC_EXP == 1 && CLIF_MODEL_PSC_ALPHA == 2);
    CHECK(CLIF_REFRACTORY_DROP == 0 && CLIF_REFRACTORY_INTEGRATE == 1);
    CHECK(CLIF_NOISE_EXACT == 0 && CLIF_NOISE_EULER == 1);
    /* Host-owned structs. */
    CHECK(sizeof(clif_params) == 6 * sizeof(double));
    CHECK(offsetof(clif_params, tau_m) == 0 && offsetof(clif_params, R_m) == 8
          && offsetof(clif_params, E_L) == 16 && offsetof(clif_params, V_th) == 24
          && offsetof(clif_params, V_reset) == 32 && offsetof(clif_params, t_ref) == 40);
    CHECK(sizeof(clif_drive) == 32 && offsetof(clif_drive, I_dc) == 0
          && offsetof(clif_drive, phase) == 24);
    CHECK(sizeof(clif_exact_state) == 32 && offsetof(clif_exact_state, t) == 0
          && offsetof(clif_exact_state, t0) == 8 && offsetof(clif_exact_state, V0) == 16
          && offsetof(clif_exact_state, t_ref_end) == 24);
    CHECK(sizeof(clif_noise_state) == 32 && offsetof(clif_noise_state, V) == 0
          && offsetof(clif_noise_state, step) == 8 && offsetof(clif_noise_state, ref_step) == 16
          && offsetof(clif_noise_state, ref_frac) == 24);
    CHECK(sizeof(clif_step_input) == 6 * sizeof(void *));
    CHECK(sizeof(clif_syn_params) == 16 && offsetof(clif_syn_params, tau_syn_in) == 8);
    CHECK(sizeof(clif_model_state) == 64 && offsetof(clif_model_state, t_ref_end) == 24
          && offsetof(clif_model_state, y) == 32);
    /* The model stepping API's signature (ABI 3): a change fails to compile. */
    clif_status (*model_step)(int, size_t, size_t, const clif_params *, size_t,
                              const clif_syn_params *, size_t, clif_drive *, clif_model_state *,
                              double, double, const clif_step_input *, const uint8_t *, int,
                              double *, int64_t *, size_t, size_t *, size_t *) = clif_model_step;
    CHECK(model_step != NULL);
    CTEST_END();
}
