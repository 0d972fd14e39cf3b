/* Sorting of spike lists (sender, then time) for the C tests that compare
 * runs whose spike order is unspecified. */
#ifndef CLIF_TEST_SPIKE_SORT_H
#define CLIF_TEST_SPIKE_SORT_H
#include <stdint.h>
#include <stdlib.h>

typedef struct { double t; int64_t s; } pair;
static inline int cmp_pair(const void *x, const void *y)
{
    const pair *a = x, *b = y;
    if (a->s != b->s) return a->s < b->s ? -1 : 1;
    return (a->t > b->t) - (a->t < b->t);
}
static inline void sort_spikes(double *t, int64_t *s, size_t n)
{
    pair *p = malloc(n * sizeof *p);
    for (size_t j = 0; j < n; ++j) p[j] = (pair){t[j], s[j]};
    qsort(p, n, sizeof *p, cmp_pair);
    for (size_t j = 0; j < n; ++j) { t[j] = p[j].t; s[j] = p[j].s; }
    free(p);
}
#endif
