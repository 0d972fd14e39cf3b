/* noise_impl.h -- private pieces shared by the white-noise integrator
 * (noise.c) and the colored-noise one (noise_psc.c). */
#ifndef CLIF_NOISE_IMPL_H
#define CLIF_NOISE_IMPL_H
#include "clif.h"

/* The number of current changes with change_step <= k (binary search). */
int64_t clif__noise_first_change(const clif_noise_drive *dr, int64_t k);

/* The first checks of a run over n neurons (have_arrays: its prop and state
 * pointers are both non-NULL): CLIF_E_NULL, CLIF_E_DT or CLIF_OK. */
clif_status clif__noise_check_call(size_t n, int have_arrays, const clif_noise_spikes *spikes,
                                   double dt);

/* Checks of the drive (NULL arrays, order, finite values) and the record
 * (indices, rows) of a run over n neurons to step_stop: CLIF_OK or the
 * run's error code. */
clif_status clif__noise_check_io(size_t n, const clif_noise_drive *drive,
                                 const clif_noise_record *record, int64_t step_stop);
#endif
