/* PLACEHOLDER: libm until clif's own expm1 lands. */
#ifndef CLIF_EXPM1_IMPL_H
#define CLIF_EXPM1_IMPL_H
#include <math.h>
#include <stddef.h>
static inline double clif__expm1(double x) { return expm1(x); }
static inline void clif__expm1_batch(const double *x, size_t n, double *out)
{
    for (size_t j = 0; j < n; ++j)
        out[j] = expm1(x[j]);
}
#endif
