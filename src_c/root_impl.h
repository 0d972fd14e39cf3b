/* Internal: the certified first-crossing search on one cell and the
 * bracketing root finder, shared by every model whose threshold crossing is
 * searched rather than solved in closed form (the sine drive of exact.c,
 * the current models of src_c/models/).
 *
 * A template: define before including
 *   ROOT_FN(name)   the prefix of the functions made here (static),
 *   ROOT_CTX        the context type the callbacks read,
 *   ROOT_G(x, t)    g(t) = V(t) - V_th on the cell (an expression),
 *   ROOT_DG(x, t)   g'(t),
 *   ROOT_TOL(b)     (optional) the bracket width at which the root finder
 *                   stops; default tiny_width(b), 0 runs it to one ulp,
 *   ROOT_NEAREST    (optional, 1) report the bracket's end where |g| is
 *                   smaller instead of the right end (no bias to late),
 * then call ROOT_FN(search_cell)(x, a, b, ga, gb, M2, &root) with g(a) < 0
 * and M2 >= max |g''| on [a, b].
 */
#include <float.h>
#include <math.h>

/* Cells narrower than this are not split further: below it a crossing is
 * located to it, and an unresolved excursion above threshold is at most
 * M2 L^2 / 8 ~ 1e-25 M2 mV (far below the rounding error of V itself). */
static double ROOT_FN(tiny_width)(double t)
{
    return fmax(1e-13, 4.0 * DBL_EPSILON * fabs(t));
}

static double ROOT_FN(pick)(double a, double b, double ga, double gb)
{
#if defined(ROOT_NEAREST) && ROOT_NEAREST
    return -ga < gb ? a : b;
#else
    (void)a; (void)ga; (void)gb;
    return b;
#endif
}

/* Illinois (modified regula falsi) on [a, b] with g(a) < 0 <= g(b), with a
 * bisection whenever three steps fail to halve the bracket.  Returns the
 * right end, so that V >= V_th holds (to rounding) at the reported time
 * (or, with ROOT_NEAREST, the end nearer the root in g). */
static clif_status ROOT_FN(illinois)(const ROOT_CTX *x, double a, double b, double ga, double gb,
                                     double *root)
{
    int side = 0;
    double width0 = b - a;
    for (int it = 0; it < 200; ++it) {
#ifdef ROOT_TOL
        double tol = ROOT_TOL(b);
#else
        double tol = ROOT_FN(tiny_width)(b);
#endif
        if (b - a <= tol) {
            *root = ROOT_FN(pick)(a, b, ga, gb);
            return CLIF_OK;
        }
        double m;
        if (it % 3 == 2 && b - a > 0.5 * width0) {
            m = a + 0.5 * (b - a);
        } else {
            m = (a * gb - b * ga) / (gb - ga);
            if (!(m > a && m < b))
                m = a + 0.5 * (b - a);
        }
        if (it % 3 == 2)
            width0 = b - a;
        if (m <= a || m >= b) { /* the bracket is one ulp wide */
            *root = ROOT_FN(pick)(a, b, ga, gb);
            return CLIF_OK;
        }
        double gm = ROOT_G(x, m);
        if (gm >= 0.0) {
            b = m;
            gb = gm;
            if (side == -1)
                ga *= 0.5;
            side = -1;
        } else {
            a = m;
            ga = gm;
            if (side == 1)
                gb *= 0.5;
            side = 1;
        }
    }
    return CLIF_E_NOCONVERGE;
}

/* The first t in cell [a, b] with g(t) >= 0, or +inf, given g(a) < 0.
 *
 * Why no crossing is missed: with |g''| <= M2 on the cell, g lies below its
 * chord plus M2 L^2 / 8, so a (sub)cell whose end values satisfy
 * max(g(a), g(b)) + M2 L^2 / 8 < 0 has no crossing.  Every other subcell is
 * halved, left half first, until it is either certified crossing-free, or
 * has g(b) >= 0 and g increasing throughout (g'(a) - M2 L > 0: exactly one
 * root, the first), or is narrower than tiny_width.  Depth-first, left
 * first, so the crossing returned is the earliest. */
static clif_status ROOT_FN(search_cell)(const ROOT_CTX *x, double a, double b, double ga,
                                        double gb, double M2, double *root)
{
    struct { double a, b, ga, gb; } stk[128];
    int top = 0;
    stk[top].a = a; stk[top].b = b; stk[top].ga = ga; stk[top].gb = gb; ++top;
    while (top > 0) {
        --top;
        a = stk[top].a; b = stk[top].b; ga = stk[top].ga; gb = stk[top].gb;
        double L = b - a;
        int small = L <= ROOT_FN(tiny_width)(b);
        if (gb >= 0.0) {
            if (small || ROOT_DG(x, a) > M2 * L)
                return ROOT_FN(illinois)(x, a, b, ga, gb, root);
        } else if (small || fmax(ga, gb) + 0.125 * M2 * L * L < 0.0) {
            continue;
        }
        double m = a + 0.5 * L;
        if (m <= a || m >= b || top + 2 > (int)(sizeof stk / sizeof stk[0])) {
            if (gb >= 0.0)
                return ROOT_FN(illinois)(x, a, b, ga, gb, root);
            continue;
        }
        double gm = ROOT_G(x, m);
        stk[top].a = m; stk[top].b = b; stk[top].ga = gm; stk[top].gb = gb; ++top;
        stk[top].a = a; stk[top].b = m; stk[top].ga = ga; stk[top].gb = gm; ++top;
    }
    *root = INFINITY;
    return CLIF_OK;
}
