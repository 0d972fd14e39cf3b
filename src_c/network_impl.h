/* Internal (not installed, not public): test hooks of network.c. */
#ifndef CLIF_NETWORK_IMPL_H
#define CLIF_NETWORK_IMPL_H

#include "clif.h"

/* From the next window on, move the threads' block boundaries at random
 * every window (seed != 0; 0: back to balancing by speed), to show that the
 * results do not depend on them. */
void clif__net_sim_jitter(clif_net_sim *s, uint64_t seed);

#endif
