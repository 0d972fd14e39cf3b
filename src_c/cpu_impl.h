/* cpu_impl.h -- the one place that decides which vector path the kernels
 * take.  Private: not installed (setup.py ships clif*.h only).
 *
 * Every path of every kernel gives the same bits (integer arithmetic, or
 * IEEE operations in the same order with -ffp-contract=off), so the choice
 * is about speed alone; that is also why a test may force any path the CPU
 * has and expect the very same results. */
#ifndef CLIF_CPU_IMPL_H
#define CLIF_CPU_IMPL_H

/* The multiversioned code needs GCC/Clang's target attributes and cpu
 * builtins, and 64-bit intrinsics; CLIF_NO_MULTIVERSION builds the portable
 * C alone (the C tests build the core so, to check it stands by itself). */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(CLIF_NO_MULTIVERSION)
#define CLIF__X86 1
#include <immintrin.h>
/* One target set per path, matching what clif__cpu() checks, so that a
 * function compiled for a path can never run on a CPU lacking part of it. */
#define CLIF__T_AVX2 __attribute__((target("avx2,fma")))
#define CLIF__T_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#endif

/* Feature bits of clif__cpu().  CLIF_CPU_AVX512 is only ever set together
 * with CLIF_CPU_AVX2, so "has AVX-512" implies the AVX2 path is there too. */
enum { CLIF_CPU_AVX2 = 1u, CLIF_CPU_AVX512 = 2u };

/* Path codes of the test hooks (clif_test_hooks.h): 0 portable, 1 AVX2 +
 * FMA, 2 AVX-512. */
enum { CLIF__ISA_PORTABLE = 0, CLIF__ISA_AVX2 = 1, CLIF__ISA_AVX512 = 2 };

/* The features the kernels may use: those detected (once per process),
 * unless a test narrowed them with clif__cpu_force.  0 where the build has
 * no vector paths. */
unsigned clif__cpu(void);

/* Whether the CPU and the build have path isa (a CLIF__ISA_* code), forced
 * or not: the *_isa hooks name a path explicitly. */
int clif__cpu_has_isa(int isa);

#endif
