/* clif_exact.h -- exact event-driven simulation (src_c/exact.c).
 * Included by clif.h; do not include directly. */
#ifndef CLIF_EXACT_H
#define CLIF_EXACT_H
#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif /* CLIF_EXACT_H */
