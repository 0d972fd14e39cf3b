"""clif/_clif.pxd mirrors the C headers by hand: every C function it declares
must exist in src_c/*.h with the same return type and parameter types
(const, volatile and parameter names aside).  Cython would compile a drifted
declaration through implicit conversions; this catches it (issue 15).
Structs and enums need no check: Cython emits their names, and a missing
field fails the C compile."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src_c")
PXD = os.path.join(ROOT, "clif", "_clif.pxd")


def _norm(t):
    t = re.sub(r"\b(const|volatile|restrict|noexcept|nogil|struct|static|inline|extern)\b",
               " ", t)
    t = re.sub(r"\s*\b[A-Za-z_]\w*\s*\[\s*\w*\s*\]$", " *", t.strip())  # x[4] -> *
    return " ".join(t.replace("*", " * ").split())


def _split(params):
    out, depth, cur = [], 0, ""
    for ch in params:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return out + [cur]


def _param_types(params):
    types = []
    for p in _split(params):
        toks = _norm(p).split()
        if not toks or toks == ["void"]:
            continue
        if len(toks) > 1 and re.match(r"^[A-Za-z_]\w*$", toks[-1]):
            toks = toks[:-1]                              # the parameter's name
        types.append(" ".join(toks))
    return tuple(types)


def c_prototypes(text):
    """{name: (return type, parameter types)} of the clif_* functions
    declared in C header text."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    text = re.sub(r"(?m)^\s*#.*$", " ", text)
    out = {}
    for m in re.finditer(r"(?m)^([A-Za-z_][\w \*]*?)\b(clif_\w+)\s*\(([^;{]*?)\)\s*;", text):
        ret, name, params = m.groups()
        if "typedef" not in ret:
            out[name] = (_norm(ret), _param_types(params))
    return out


def pxd_prototypes(text):
    text = re.sub(r"#[^\n]*", "", text)
    out = {}
    for m in re.finditer(r"(?m)^\s+([A-Za-z_][\w \*]*?)\b(clif_\w+)\s*\(([^()]*(?:\([^()]*\)"
                         r"[^()]*)*)\)", text):
        ret, name, params = m.groups()
        if not ret.strip().startswith("ctypedef"):
            out[name] = (_norm(ret), _param_types(params.replace("\n", " ")))
    return out


def _headers():
    out = {}
    for h in sorted(glob.glob(os.path.join(SRC, "*.h"))):
        with open(h) as f:
            out.update(c_prototypes(f.read()))
    return out


def _diff(pxd, c):
    return {k: (v, c.get(k)) for k, v in pxd.items() if c.get(k) != v}


def test_every_pxd_function_matches_its_header():
    with open(PXD) as f:
        pxd = pxd_prototypes(f.read())
    c = _headers()
    assert len(pxd) >= 50 and len(c) >= len(pxd)   # the parsers see the files
    assert _diff(pxd, c) == {}


def test_the_check_sees_drift():
    c = c_prototypes("clif_status clif_f(const double *t, size_t n,\n"
                     "                   int64_t *out);\nvoid clif_g(void);\n"
                     "void clif_h(const uint32_t in[4]);\n")
    assert c == {"clif_f": ("clif_status", ("double *", "size_t", "int64_t *")),
                 "clif_g": ("void", ()), "clif_h": ("void", ("uint32_t *",))}
    same = pxd_prototypes("    clif_status clif_f(const double *t, size_t n,\n"
                          "                       int64_t *o) noexcept\n    void clif_g()\n"
                          "    void clif_h(const uint32_t *x)\n")
    assert _diff(same, c) == {}
    for bad in ("    clif_status clif_f(const double *t, int64_t *o)\n",        # arity
                "    clif_status clif_f(const double *t, int n, int64_t *o)\n",  # a type
                "    int clif_f(const double *t, size_t n, int64_t *o)\n",       # return
                "    void clif_gone()\n"):                                       # no such
        assert _diff(pxd_prototypes(bad), c) != {}, bad


CYTHON_API = os.path.join(ROOT, "clif", "cython_api.pxd")


def cython_api_prototypes(text):
    """{C name: (return type, parameter types)} of clif.cython_api's
    functions: each ``cdef ret name(...)`` forwards to ``clif_<name>``."""
    text = re.sub(r"#[^\n]*", "", text)
    text = re.sub(r'""".*?"""', "", text, flags=re.S)
    out = {}
    for m in re.finditer(r"(?m)^cdef\s+([A-Za-z_][\w \*]*?)\b([a-z]\w*)\s*\(([^()]*)\)", text):
        ret, name, params = m.groups()
        out["clif_" + name] = (_norm(ret), _param_types(params.replace("\n", " ")))
    return out


def test_every_cython_api_function_matches_its_header():
    # The cimport API (frozen by test_cython_abi.py) forwards each function
    # to the C one of the same name: their types must agree with the header.
    with open(CYTHON_API) as f:
        api = cython_api_prototypes(f.read())
    assert len(api) >= 20                              # the parser sees the file
    c = _headers()
    # Helpers written in Cython itself (no C function behind them).
    own = {"clif_fill_params"}
    assert {k for k in api if k not in c} == own
    assert _diff({k: v for k, v in api.items() if k not in own}, c) == {}


def test_the_cython_api_check_sees_drift():
    c = c_prototypes("double clif_rate(const clif_params *p, double current);\n")
    good = cython_api_prototypes("cdef double rate(const clif_params *p, double I) noexcept nogil\n")
    assert _diff(good, c) == {}
    for bad in ("cdef float rate(const clif_params *p, double I) noexcept nogil\n",
                "cdef double rate(const clif_params *p) noexcept nogil\n",
                "cdef double rates(const clif_params *p, double I) noexcept nogil\n"):
        assert _diff(cython_api_prototypes(bad), c) != {}, bad
