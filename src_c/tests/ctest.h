/* A minimal test harness for the C core's tests: no dependencies, one
 * summary line in the form test runners understand. */
#ifndef CLIF_CTEST_H
#define CLIF_CTEST_H
#include <math.h>
#include <stdio.h>

static int ctest_failed = 0, ctest_passed = 0;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            ++ctest_passed;                                                      \
        } else {                                                                 \
            ++ctest_failed;                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

/* |a - b| <= rtol |b|, with equal infinities and NaNs counted as equal. */
#define CHECK_CLOSE(a, b, rtol)                                                  \
    do {                                                                         \
        double ca_ = (a), cb_ = (b);                                             \
        int ok_ = (ca_ == cb_) || (isnan(ca_) && isnan(cb_))                     \
                  || fabs(ca_ - cb_) <= (rtol) * fabs(cb_);                      \
        if (ok_) {                                                               \
            ++ctest_passed;                                                      \
        } else {                                                                 \
            ++ctest_failed;                                                      \
            fprintf(stderr, "%s:%d: %s = %.17g, expected %.17g (rtol %g)\n",     \
                    __FILE__, __LINE__, #a, ca_, cb_, (double)(rtol));            \
        }                                                                        \
    } while (0)

#define CTEST_END()                                                              \
    do {                                                                         \
        printf("%s: %d passed, %d failed\n", __FILE__, ctest_passed, ctest_failed); \
        return ctest_failed ? 1 : 0;                                             \
    } while (0)
#endif
