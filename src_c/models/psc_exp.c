/* The psc_exp model (clif_model.h): the current-model template psc_impl.h
 * with PSC_ALPHA = 0, and its entry points (psc_wrap_impl.h). */
#define PSC_ALPHA 0
#define PSC_FN(name) psc_exp_##name
#define PSC_API(name) clif__psc_exp_##name
#include "psc_impl.h"
#include "psc_wrap_impl.h"
