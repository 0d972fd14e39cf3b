/* C-level tests of clif's expm1 (expm1_impl.h, expm1.c): special values,
 * accuracy against long double, and the batched paths' bits against the
 * scalar function's. */
#include "ctest.h"
#include "expm1_impl.h"
#include "isa_paths.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rs = 0x243F6A8885A308D3ULL;
static uint64_t next64(void)
{
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return rs;
}
static double unif(void) { return ((double)(next64() >> 11) + 0.5) * 0x1p-53; }
static double dbl(uint64_t b) { double x; memcpy(&x, &b, sizeof x); return x; }
static uint64_t bits(double x) { uint64_t b; memcpy(&b, &x, sizeof b); return b; }
static int same(double a, double b) { return bits(a) == bits(b); }

/* error of y in ulps of the exact e^x - 1, by a long double reference; the
 * ulp is that of the double nearest the reference (DBL_MAX's beyond). */
static double ulp_err(double y, double x)
{
    long double e = expm1l((long double)x);
    if (e >= 0x1p1024L - 0x1p970L) /* rounds to +inf */
        return isinf(y) && y > 0 ? 0.0 : 1e9;
    double c = (double)e;
    double up = nextafter(fabs(c), INFINITY), ulp = up - fabs(c);
    if (isinf(up))
        ulp = 0x1p971;
    return (double)(fabsl((long double)y - e) / (long double)ulp);
}

static void test_special(void)
{
    CHECK(same(clif__expm1(0.0), 0.0));
    CHECK(same(clif__expm1(-0.0), -0.0));
    CHECK(same(clif__expm1_rare(0.0), 0.0));
    CHECK(same(clif__expm1_rare(-0.0), -0.0));
    CHECK(clif__expm1(INFINITY) == INFINITY);
    CHECK(same(clif__expm1(-INFINITY), -1.0));
    CHECK(isnan(clif__expm1(NAN)) && isnan(clif__expm1(-NAN)));
    /* |x| < 2^-54 (subnormals too) gives x, bit for bit */
    static const double tiny[] = {0x1p-1074, -0x1p-1074, 0x1.8p-1060, 0x1p-1022, -0x1p-1000,
                                  0x1p-600, 0x1p-100, -0x1.23456789abcdep-60,
                                  0x1.fffffffffffffp-55, -0x1.fffffffffffffp-55};
    for (unsigned i = 0; i < sizeof tiny / sizeof *tiny; ++i)
        CHECK(same(clif__expm1(tiny[i]), tiny[i]));
    int ok = 1;
    for (int i = 0; i < 100000; ++i) {
        /* random |x| in [2^-1074, 2^-54) */
        double x = dbl(next64() % 0x3c90000000000000ULL) * (next64() & 1 ? 1.0 : -1.0);
        ok &= same(clif__expm1(x), x);
    }
    CHECK(ok);
    /* x < -38: -1 exactly (e^x < 2^-54); the first values below -54 ln2
     * = -37.43 round to -1 as well, and just above it to -1 + 2^-53 */
    static const double neg[] = {-38.0, -38.5, -40.0, -50.0, -100.0, -708.0, -745.2,
                                 -1e10, -1e300, -DBL_MAX, -37.5, -37.43};
    for (unsigned i = 0; i < sizeof neg / sizeof *neg; ++i)
        CHECK(clif__expm1(neg[i]) == -1.0);
    CHECK(clif__expm1(-37.4) == -1.0 + 0x1p-53);
    ok = 1;
    for (int i = 0; i < 100000; ++i)
        ok &= clif__expm1(-38.0 - 1000.0 * unif()) == -1.0;
    CHECK(ok);
    /* overflow: log(DBL_MAX) = 709.782712893384 */
    CHECK(clif__expm1(0x1.62e42fefa39efp+9) == 0x1.fffffffffff2ap+1023);
    CHECK(clif__expm1(0x1.62e42fefa39f0p+9) == INFINITY);
    CHECK(clif__expm1(710.0) == INFINITY && clif__expm1(1e300) == INFINITY);
    CHECK(clif__expm1(DBL_MAX) == INFINITY);
    /* some correctly rounded values */
    CHECK(clif__expm1(1.0) == 0x1.b7e151628aed3p+0);
    CHECK(clif__expm1(-1.0) == -0x1.43a54e4e98864p-1);
    CHECK(clif__expm1(0x1.62e42fefa39efp-1) == 1.0);       /* ln 2 */
    CHECK(clif__expm1(-0x1.62e42fefa39efp-1) == -0.5);
    CHECK(clif__expm1(1e-10) == 0x1.b7cdfd9dda4e3p-34);
    /* sign: expm1 keeps the sign of x */
    ok = 1;
    for (int i = 0; i < 100000; ++i) {
        double x = (unif() - 0.5) * 100.0 * unif() * unif();
        double y = clif__expm1(x);
        ok &= (signbit(y) != 0) == (signbit(x) != 0) && y >= -1.0;
    }
    CHECK(ok);
}

/* Accuracy: ~1.2e6 values over [-50, 1] (uniform; log-uniform small |x| of
 * both signs; the reduction's half-way points; the inline path's edges),
 * then ~2e5 over the whole range.  Bound of the design: 0.52 ulp; the long
 * double reference (x86: 64-bit mantissa) adds ~1e-3 ulp. */
static void test_accuracy(void)
{
    if (LDBL_MANT_DIG < 64) {
        printf("test_expm1: long double too short for the accuracy test, skipped\n");
        return;
    }
    double worst = 0, wx = 0;
    const double step = 0x1.62e42fefa39efp-9; /* ln2/256 */
    for (int i = 0; i < 1200000; ++i) {
        double x;
        switch (i % 6) {
        case 0: x = -50.0 + 51.0 * unif(); break;
        case 1: x = -exp(-18.4 * unif()); break;                 /* [-1, -1e-8] */
        case 2: x = exp(-18.4 * unif()); break;                   /* [1e-8, 1] */
        case 3: x = -exp(-3.0 * unif()) * 20.0; break;            /* [-20, -1] */
        case 4: {                                                 /* half-way points */
            double k = floor((unif() - 0.9) * 400.0);
            x = (k + 0.5) * step * (1.0 + (unif() - 0.5) * 1e-9);
            break;
        }
        default: x = (unif() < 0.5 ? -1.0 : 1.0) * (19.40 + 0.02 * unif()); break;
        }
        double e = ulp_err(clif__expm1(x), x);
        if (e > worst) { worst = e; wx = x; }
    }
    for (int i = 0; i < 200000; ++i) {
        double x = -745.0 + 1455.0 * unif();
        double e = ulp_err(clif__expm1(x), x);
        if (e > worst) { worst = e; wx = x; }
    }
    printf("test_expm1: max error %.4f ulp (at %a)\n", worst, wx);
    CHECK(worst < 0.53);
}

/* probe inputs for the batch: specials, edges of the inline path (|k| =
 * 7168, 7169), of the rare path's ranges, random values of all sizes */
static size_t probe(double *x, size_t cap)
{
    static const double sp[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 1.0, -1.0, 0x1p-1074,
                                -0x1p-1074, 0x1p-54, -0x1p-54, 0x1p-55, 19.0, -19.0, 19.4,
                                -19.4, 19.5, -19.5, 36.5, -36.5, -37.43, -38.0, -38.1, 709.78,
                                709.79, 710.0, 710.1, -745.0, -746.0, 1e300, -1e300};
    size_t n = 0;
    for (unsigned i = 0; i < sizeof sp / sizeof *sp && n < cap; ++i)
        x[n++] = sp[i];
    const double step = 0x1.62e42fefa39efp-9;
    for (int k = 7166; k <= 7171 && n + 4 <= cap; ++k) {
        x[n++] = (k - 0.5) * step; x[n++] = (k + 0.49) * step;
        x[n++] = -(k - 0.5) * step; x[n++] = -(k + 0.49) * step;
    }
    uint64_t nanb = 0x7ff8000000000123ULL; /* a NaN with payload */
    if (n < cap) x[n++] = dbl(nanb);
    while (n < cap) {
        uint64_t b = next64();
        switch (n % 5) {
        case 0: x[n++] = dbl(b); break;                         /* any double */
        case 1: x[n++] = (unif() - 0.9) * 60.0; break;
        case 2: x[n++] = -exp(-20.0 * unif()); break;
        case 3: x[n++] = (b & 1 ? -1.0 : 1.0) * (18.9 + 0.6 * unif()); break;
        default: x[n++] = (unif() - 0.5) * 1500.0; break;
        }
    }
    return n;
}

static void test_batch(void)
{
    enum { NX = 20000, PAD = 8 };
    double *x = malloc((NX + PAD) * sizeof *x);
    double *ref = malloc((NX + PAD) * sizeof *ref), *got = malloc((NX + PAD) * sizeof *got);
    size_t n = probe(x, NX);
    for (size_t j = 0; j < n; ++j)
        ref[j] = clif__expm1(x[j]);
    /* the rare path agrees with the inline one where both apply */
    int ok = 1;
    for (size_t j = 0; j < n; ++j)
        ok &= same(clif__expm1_rare(x[j]), ref[j]);
    CHECK(ok);
    int paths = 0;
    for (int isa = -1; isa <= 2; ++isa) {
        /* isa -1: the dispatching clif__expm1_batch */
        got[n] = -7.0;
        if (isa < 0)
            clif__expm1_batch(x, n, got);
        else if (!have_or_skip("test_expm1", isa))
            continue;
        else
            CHECK(clif__expm1_batch_isa(isa, x, n, got) == 0);
        ++paths;
        CHECK(memcmp(got, ref, n * sizeof *ref) == 0);
        CHECK(got[n] == -7.0);
        /* every length and alignment (masked tails); nothing past n */
        ok = 1;
        for (size_t m = 0; m <= 40; ++m)
            for (size_t off = 0; off < 4; ++off) {
                for (size_t j = 0; j < m + PAD; ++j)
                    got[j] = -7.0;
                if (isa < 0)
                    clif__expm1_batch(x + off, m, got + 3 - off);
                else
                    clif__expm1_batch_isa(isa, x + off, m, got + 3 - off);
                ok &= memcmp(got + 3 - off, ref + off, m * sizeof *ref) == 0;
                for (size_t j = 0; j < m + PAD; ++j)
                    if (j < 3 - off || j >= 3 - off + m)
                        ok &= got[j] == -7.0;
            }
        CHECK(ok);
        /* in place */
        memcpy(got, x, n * sizeof *x);
        if (isa < 0)
            clif__expm1_batch(got, n, got);
        else
            clif__expm1_batch_isa(isa, got, n, got);
        CHECK(memcmp(got, ref, n * sizeof *ref) == 0);
    }
    CHECK(paths >= 2);
    CHECK(clif__expm1_batch_isa(3, x, n, got) == -1);
    printf("test_expm1: %d batch paths checked\n", paths - 1);
    free(x); free(ref); free(got);
}

int main(void)
{
    test_special();
    test_accuracy();
    test_batch();
    CTEST_END();
}
