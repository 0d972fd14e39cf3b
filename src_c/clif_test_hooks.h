/* clif_test_hooks.h -- the internal entry points the test suite reaches
 * (from C in src_c/tests, from Python through clif._noise's hooks): one
 * named code path of a vectorised kernel, so that a path-equality test
 * compares every ISA this CPU has, never scalar with scalar.
 *
 * Not part of clif's API: not installed with the package, not covered by
 * CLIF_ABI_VERSION, may change without notice.  ISA codes: 0 portable,
 * 1 AVX2 + FMA, 2 AVX-512; each returns -1 where the CPU or the build lacks
 * the path (and then writes nothing). */
#ifndef CLIF_TEST_HOOKS_H
#define CLIF_TEST_HOOKS_H
#include <stddef.h>
#include <stdint.h>

/* Every dispatching kernel (closed form, expm1, the random streams, the
 * noise and network kernels) takes path isa from now on, or the best path
 * below it that this CPU and build have; isa -1 goes back to the detected
 * features.  Returns the path now in effect: a test that wanted isa and got
 * less must skip, not compare a path with itself.  Not thread-safe against
 * kernels running meanwhile (a test calls it between runs). */
int clif__cpu_force(int isa);

/* clif's expm1 on an array, dispatched per call (expm1_impl.h), and on one
 * named path. */
void clif__expm1_batch(const double *x, size_t n, double *out);
int clif__expm1_batch_isa(int isa, const double *x, size_t n, double *out);

/* Exponential variates of the counter-based stream (rng_impl.h) on one
 * named path, and the logarithm alone on given words:
 * out[j] = -log(clif__u01(w[j])). */
int clif__exponentials_isa(int isa, uint64_t seed, uint64_t stream, uint64_t k0, size_t n,
                           double *out);
int clif__explog_words_isa(int isa, const uint64_t *w, size_t n, double *out);

#endif
