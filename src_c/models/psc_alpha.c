/* The psc_alpha model (clif_model.h): the current-model template psc_impl.h
 * with PSC_ALPHA = 1, and its entry points (psc_wrap_impl.h). */
#define PSC_ALPHA 1
#define PSC_FN(name) psc_alpha_##name
#define PSC_API(name) clif__psc_alpha_##name
#include "psc_impl.h"
#include "psc_wrap_impl.h"
