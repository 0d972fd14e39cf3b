/* CPU feature detection for the kernels' dispatch (cpu_impl.h). */
#include "cpu_impl.h"
#include "clif_test_hooks.h"

/* -1: not yet known.  Threads that race on the first call all compute and
 * store the same value, so the race is harmless and needs no lock (C99 has
 * no portable once). */
static int detected = -1;
/* -1: not forced (clif__cpu_force). */
static int forced = -1;

static unsigned detect(void)
{
    unsigned m = 0;
#ifdef CLIF__X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        m |= CLIF_CPU_AVX2;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("avx512vl"))
            m |= CLIF_CPU_AVX512;
    }
#endif
    return m;
}

static unsigned cpu_detected(void)
{
    int d = detected;
    if (d < 0) {
        d = (int)detect();
        detected = d;
    }
    return (unsigned)d;
}

unsigned clif__cpu(void)
{
    const int f = forced;
    return f >= 0 ? (unsigned)f : cpu_detected();
}

/* The features path isa needs. */
static int isa_mask(int isa)
{
    switch (isa) {
    case CLIF__ISA_PORTABLE:
        return 0;
    case CLIF__ISA_AVX2:
        return CLIF_CPU_AVX2;
    case CLIF__ISA_AVX512:
        return CLIF_CPU_AVX2 | CLIF_CPU_AVX512;
    default:
        return -1;
    }
}

/* The best path a mask selects, as the kernels' dispatch picks it. */
static int best_isa(unsigned m)
{
    return m & CLIF_CPU_AVX512 ? CLIF__ISA_AVX512 : m & CLIF_CPU_AVX2 ? CLIF__ISA_AVX2
                                                                       : CLIF__ISA_PORTABLE;
}

int clif__cpu_has_isa(int isa)
{
    const int need = isa_mask(isa);
    return need >= 0 && ((unsigned)need & cpu_detected()) == (unsigned)need;
}

int clif__cpu_force(int isa)
{
    if (isa < 0) {
        forced = -1;
        return best_isa(cpu_detected());
    }
    const int need = isa_mask(isa > CLIF__ISA_AVX512 ? CLIF__ISA_AVX512 : isa);
    /* Never more than the CPU has: a path it lacks falls back to the best
     * one below it instead of faulting on an illegal instruction. */
    const unsigned m = (unsigned)need & cpu_detected();
    forced = (int)m;
    return best_isa(m);
}
