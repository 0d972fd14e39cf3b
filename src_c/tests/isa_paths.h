/* Forcing the kernels' vector paths (clif__cpu_force) in the C tests. */
#ifndef CLIF_TESTS_ISA_PATHS_H
#define CLIF_TESTS_ISA_PATHS_H
#include "clif_test_hooks.h"
#include "cpu_impl.h"

#include <stdio.h>

static const char *const isa_names[] = {"portable", "AVX2+FMA", "AVX-512"};

/* Every kernel takes path isa from now on; 0, and a line saying so, where
 * this CPU or build lacks it: the caller skips that path rather than run
 * the portable one twice and call it a comparison. */
static inline int force_or_skip(const char *test, int isa)
{
    if (clif__cpu_force(isa) == isa)
        return 1;
    clif__cpu_force(-1);
    printf("%s: %s path skipped (not on this CPU or build)\n", test, isa_names[isa]);
    return 0;
}

/* The same for a hook that names its path (the *_isa functions). */
static inline int have_or_skip(const char *test, int isa)
{
    if (clif__cpu_has_isa(isa))
        return 1;
    printf("%s: %s path skipped (not on this CPU or build)\n", test, isa_names[isa]);
    return 0;
}

/* clif__cpu_force never goes beyond the CPU: each path asked for gives
 * itself where the CPU has it, else the best one below. */
static inline int force_is_bounded(void)
{
    const int best = clif__cpu_force(-1);
    int ok = best >= CLIF__ISA_PORTABLE && best <= CLIF__ISA_AVX512;
    for (int isa = CLIF__ISA_PORTABLE; isa <= CLIF__ISA_AVX512 + 1; ++isa) {
        const int got = clif__cpu_force(isa);
        ok &= got == (isa < best ? isa : best);
        ok &= (clif__cpu() & CLIF_CPU_AVX512) ? got == CLIF__ISA_AVX512
              : (clif__cpu() & CLIF_CPU_AVX2) ? got == CLIF__ISA_AVX2
                                               : got == CLIF__ISA_PORTABLE;
        ok &= isa > CLIF__ISA_AVX512 || clif__cpu_has_isa(isa) == (got == isa);
    }
    ok &= clif__cpu_force(-1) == best;
    return ok;
}
#endif
