/* clif_noise.h -- counter-based RNG and the stochastic integrator
 * (src_c/rng.c, src_c/noise.c).  Included by clif.h; do not include directly. */
#ifndef CLIF_NOISE_H
#define CLIF_NOISE_H
#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif /* CLIF_NOISE_H */
