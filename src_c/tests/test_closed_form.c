/* C-level tests of params.c and closed_form.c, run under ASan/UBSan. */
#include "clif.h"
#include "ctest.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const clif_params DEF = {20.0, 20.0, -70.0, -50.0, -70.0, 2.0};

static void test_version(void)
{
    CHECK(clif_version() == CLIF_VERSION_HEX);
    CHECK(clif_abi_version() == CLIF_ABI_VERSION);
}

static void test_check_params(void)
{
    clif_params p = DEF;
    CHECK(clif_check_params(&p) == CLIF_OK);
    CHECK(clif_check_params(NULL) == CLIF_E_NULL);
    p = DEF; p.tau_m = 0.0;      CHECK(clif_check_params(&p) == CLIF_E_TAU_M);
    p = DEF; p.tau_m = NAN;      CHECK(clif_check_params(&p) == CLIF_E_TAU_M);
    p = DEF; p.tau_m = INFINITY; CHECK(clif_check_params(&p) == CLIF_E_TAU_M);
    p = DEF; p.R_m = -1.0;       CHECK(clif_check_params(&p) == CLIF_E_R_M);
    p = DEF; p.E_L = NAN;        CHECK(clif_check_params(&p) == CLIF_E_E_L);
    p = DEF; p.V_th = INFINITY;  CHECK(clif_check_params(&p) == CLIF_E_V_TH);
    p = DEF; p.V_reset = p.V_th; CHECK(clif_check_params(&p) == CLIF_E_V_RESET);
    p = DEF; p.t_ref = -1e-300;  CHECK(clif_check_params(&p) == CLIF_E_T_REF);
    p = DEF; p.t_ref = 0.0;      CHECK(clif_check_params(&p) == CLIF_OK);
    /* Every code has a message, and out-of-range codes do not crash. */
    for (int s = 0; s < CLIF_E__COUNT; ++s)
        CHECK(clif_strerror((clif_status)s) != NULL && strlen(clif_strerror((clif_status)s)) > 0);
    CHECK(clif_strerror((clif_status)-1) != NULL);
    CHECK(clif_strerror((clif_status)9999) != NULL);
}

static void test_rate(void)
{
    /* V_inf = -30 mV: T = 2 + 20 ln(40/20) */
    CHECK_CLOSE(clif_isi(&DEF, 2.0), 2.0 + 20.0 * log(2.0), 1e-15);
    CHECK_CLOSE(clif_rate(&DEF, 2.0), 1000.0 / (2.0 + 20.0 * log(2.0)), 1e-15);
    CHECK(clif_rate(&DEF, 1.0) == 0.0);
    CHECK(clif_rate(&DEF, -5.0) == 0.0);
    CHECK(isinf(clif_isi(&DEF, 1.0)));
    CHECK(isnan(clif_rate(&DEF, NAN)));
    CHECK(clif_rate(&DEF, INFINITY) == 500.0);
    CHECK(clif_rate(&DEF, DBL_MAX) == 500.0);
    CHECK(clif_rate(&DEF, 1.0 + 1e-15) > 0.0);
    CHECK_CLOSE(clif_rheobase(&DEF), 1.0, 0.0);
    clif_params bad = DEF;
    bad.tau_m = -1.0;
    CHECK(isnan(clif_rate(&bad, 2.0)));
}

static void test_inverse(void)
{
    for (double I = 1.001; I < 1000.0; I *= 1.37)
        CHECK_CLOSE(clif_current_for_rate(&DEF, clif_rate(&DEF, I)), I, 1e-12);
    CHECK(clif_current_for_rate(&DEF, 0.0) == 1.0);
    CHECK(isnan(clif_current_for_rate(&DEF, -1.0)));
    CHECK(isnan(clif_current_for_rate(&DEF, 500.0)));
    CHECK(isnan(clif_current_for_rate(&DEF, NAN)));
}

static void test_others(void)
{
    CHECK_CLOSE(clif_summation_peak(5.0, 0.0, 20.0), 10.0, 0.0);
    CHECK_CLOSE(clif_summation_peak(5.0, 20.0, 20.0), 5.0 * (1.0 + exp(-1.0)), 1e-15);
    CHECK(isnan(clif_summation_peak(5.0, -1.0, 20.0)));
    /* 40 mV amplitude over a 20 mV margin: w = sqrt(3) / tau_m */
    CHECK_CLOSE(clif_cutoff_frequency(&DEF, 2.0, 0.0), sqrt(3.0) / 20.0 * 1000.0 / (2.0 * 3.14159265358979323846), 1e-15);
    CHECK(clif_cutoff_frequency(&DEF, 0.5, 0.0) == 0.0);
    CHECK(isinf(clif_cutoff_frequency(&DEF, 0.5, 1.5)));
    CHECK_CLOSE(clif_free_potential(&DEF, 20.0, 1.0, -70.0), -50.0 - 20.0 * exp(-1.0), 1e-15);
    CHECK(clif_free_potential(&DEF, 0.0, 1.0, -63.0) == -63.0);
}

static void test_strided(void)
{
    /* The strided loop equals the scalar function, contiguous or not, with
     * constant or varying parameters, and leaves the FP flags alone. */
    enum { N = 1000 };
    double *I = malloc(2 * N * sizeof *I), *out = malloc(2 * N * sizeof *out);
    double tau[2 * N];
    double R = 20.0, EL = -70.0, Vth = -50.0, Vr = -70.0, tr = 2.0;
    for (int i = 0; i < 2 * N; ++i) {
        I[i] = -2.0 + 0.013 * i;
        tau[i] = 5.0 + i;
    }
    I[7] = NAN;
    char *args[8] = {(char *)I, (char *)tau, (char *)&R, (char *)&EL, (char *)&Vth,
                     (char *)&Vr, (char *)&tr, (char *)out};
    ptrdiff_t contig[8] = {8, 0, 0, 0, 0, 0, 0, 8};
    clif_rate_strided(2 * N, args, contig);
    clif_params p = {5.0, R, EL, Vth, Vr, tr};
    for (int i = 0; i < 2 * N; ++i) {
        double ref = clif_rate(&p, I[i]);
        CHECK(out[i] == ref || (isnan(out[i]) && isnan(ref)));
    }
    ptrdiff_t strided[8] = {16, 16, 0, 0, 0, 0, 0, 16};
    clif_isi_strided(N, args, strided);
    for (int i = 0; i < N; ++i) {
        p.tau_m = tau[2 * i];
        double ref = clif_isi(&p, I[2 * i]);
        CHECK(out[2 * i] == ref || (isnan(out[2 * i]) && isnan(ref)));
    }
    clif_rate_strided(0, args, contig);
    clif_rate_strided(5, NULL, contig);
    free(I);
    free(out);
}

int main(void)
{
    test_version();
    test_check_params();
    test_rate();
    test_inverse();
    test_others();
    test_strided();
    CTEST_END();
}
