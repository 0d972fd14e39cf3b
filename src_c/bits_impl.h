/* Internal (not installed, not public): the forced-inline marker of the
 * core's hot helpers (they must inline into the multiversioned AVX loops,
 * which GCC only does across differing target options when told to), and a
 * double's bits and back (memcpy: no aliasing trouble, compiled to a
 * register move). */
#ifndef CLIF_BITS_IMPL_H
#define CLIF_BITS_IMPL_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define CLIF__INLINE static inline __attribute__((always_inline))
#else
#define CLIF__INLINE static inline
#endif

CLIF__INLINE uint64_t clif__bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

CLIF__INLINE double clif__dbl(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

#endif
