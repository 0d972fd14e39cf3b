"""Freeze the C-level API that other extensions cimport from clif.cython_api
(as scipy's tests/test_cython_abi.py does for cython_special): every exported
function with its C signature.  A change here is an ABI change: bump
CLIF_ABI_VERSION in src_c/clif.h and update this table in the same commit."""
import clif
import clif.cython_api

FROZEN = {
    'abi_version': 'unsigned int (void)',
    'check_params': 'clif_status (clif_params const *)',
    'current_for_rate': 'double (clif_params const *, double)',
    'check_syn_params': 'clif_status (int, clif_syn_params const *)',
    'cutoff_frequency': 'double (clif_params const *, double, double)',
    'exact_advance': 'clif_status (clif_params const *, clif_drive const *, clif_exact_state *, '
                     'double, double const *, double const *, size_t, size_t *, int, double *, '
                     'size_t, size_t *)',
    'exact_init': 'void (clif_exact_state *, double, double)',
    'exact_potential': 'double (clif_params const *, clif_drive const *, '
                       'clif_exact_state const *, double)',
    'exact_rebase': 'void (clif_params const *, clif_drive const *, clif_exact_state *)',
    'exact_step': 'clif_status (size_t, size_t, clif_params const *, size_t, clif_drive *, '
                  'clif_exact_state *, double, double, clif_step_input const *, int, double *, '
                  'int64_t *, size_t, size_t *, size_t *)',
    'fill_params': 'void (clif_params *, double, double, double, double, double, double)',
    'free_potential': 'double (clif_params const *, double, double, double)',
    'isi': 'double (clif_params const *, double)',
    # ABI 3: the synaptic-current models (clif_model.h) and their stepping API.
    'model_advance': 'clif_status (int, clif_params const *, clif_syn_params const *, '
                     'clif_drive const *, clif_model_state *, double, double const *, '
                     'double const *, uint8_t const *, size_t, size_t *, int, double *, size_t, '
                     'size_t *)',
    'model_find': 'int (char const *)',
    'model_init': 'void (clif_model_state *, double, double)',
    'model_potential': 'double (int, clif_params const *, clif_syn_params const *, '
                       'clif_drive const *, clif_model_state const *, double, double *)',
    'model_rebase': 'void (int, clif_params const *, clif_syn_params const *, '
                    'clif_drive const *, clif_model_state *)',
    'model_step': 'clif_status (int, size_t, size_t, clif_params const *, size_t, '
                  'clif_syn_params const *, size_t, clif_drive *, clif_model_state *, double, '
                  'double, clif_step_input const *, uint8_t const *, int, double *, int64_t *, '
                  'size_t, size_t *, size_t *)',
    'noise_prepare': 'clif_status (clif_params const *, double, double, double, double, double, '
                     'clif_noise_prop *)',
    'noise_run': 'clif_status (size_t, clif_noise_prop const *, clif_noise_state *, '
                 'clif_noise_drive const *, double, clif_noise_method, uint64_t, uint64_t, '
                 'int64_t, clif_noise_spikes *, clif_noise_record const *)',
    'rate': 'double (clif_params const *, double)',
    'rheobase': 'double (clif_params const *)',
    'rng_normal': 'clif_status (uint64_t, uint64_t, uint64_t, size_t, double *)',
    'rng_uniform': 'clif_status (uint64_t, uint64_t, uint64_t, size_t, double *)',
    'strerror': 'char const *(clif_status)',
    'summation_peak': 'double (double, double, double)',
    'version': 'unsigned int (void)',
}
FROZEN_ABI_VERSION = 3


def _signature(capsule):
    # repr: <capsule object "SIGNATURE" at 0x...>
    return repr(capsule).split('"')[1]


def test_exported_signatures_are_frozen():
    capi = clif.cython_api.__pyx_capi__
    got = {name: _signature(cap) for name, cap in capi.items()}
    assert got == FROZEN


def test_abi_version_matches_the_frozen_table():
    import os
    text = open(os.path.join(clif.get_include(), "clif.h")).read()
    assert f"#define CLIF_ABI_VERSION {FROZEN_ABI_VERSION}\n" in text
