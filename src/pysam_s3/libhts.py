"""The htslib that pysam loaded, through ctypes: one place that knows where it
is and declares the functions pysam_s3 calls (pysam's extensions link it).
In this wheel htslib is linked into pysam/libchtslib.cpython-*.so, as in
stock pysam's builtin layout."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

# the flags of hts_s3_credentials_func (htslib/hfile.h)
PROFILE_EXPLICIT, NOTHING_ELSE_FOUND = 1, 2


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def path() -> str:
    """The file of the htslib pysam's extensions are bound to in this process:
    hts_version as libchtslib resolves it (dlsym on its handle: itself first,
    then its dependencies), located by the dynamic loader (dladdr). Whatever
    LD_LIBRARY_PATH held, this is the library in use; the wheel's is
    pysam/libchtslib.cpython-*.so itself."""
    import pysam.libchtslib as chtslib

    symbol = ctypes.cast(ctypes.CDLL(chtslib.__file__).hts_version, ctypes.c_void_p)
    libc = ctypes.CDLL(None)
    dladdr = getattr(libc, "dladdr", None) or ctypes.CDLL(ctypes.util.find_library("dl")).dladdr
    dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
    info = _DlInfo()
    if not dladdr(symbol, ctypes.byref(info)) or not info.dli_fname:
        raise RuntimeError("the dynamic loader cannot say which file holds pysam's htslib")
    return os.path.realpath(info.dli_fname.decode())


@functools.lru_cache(maxsize=None)
def lib() -> ctypes.CDLL:
    import pysam.libchtslib  # noqa: F401  (the copy the extensions use: same file, same handle)

    h = ctypes.CDLL(path(), use_errno=True)
    for name in ("hts_version", "hts_feature_string"):
        getattr(h, name).restype = ctypes.c_char_p
    h.hfile_error_detail.restype = ctypes.c_char_p
    h.hfile_error_detail.argtypes = [ctypes.c_int]
    h.hts_s3_credentials_set.restype = ctypes.c_int
    h.hts_s3_credentials_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                         ctypes.c_int64, ctypes.c_char_p]
    h.hts_s3_credentials_update.restype = ctypes.c_int
    h.hts_s3_credentials_update.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p,
                                            ctypes.c_char_p, ctypes.c_int64, ctypes.c_char_p]
    h.hts_s3_credentials_error.restype = None
    h.hts_s3_credentials_error.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    h.hts_s3_set_config.restype = ctypes.c_int
    h.hts_s3_set_config.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    h.hts_s3_describe.restype = ctypes.c_void_p  # char *, freed with hts_free()
    h.hts_s3_describe.argtypes = [ctypes.c_char_p]
    h.hts_free.restype = None
    h.hts_free.argtypes = [ctypes.c_void_p]
    # hopen() is variadic; its mode here never has ':' so no extra arguments are read
    h.hopen.restype = ctypes.c_void_p
    h.hopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    h.hclose.restype = ctypes.c_int
    h.hclose.argtypes = [ctypes.c_void_p]
    return h


def error_detail(errnum: int) -> str | None:
    """htslib's explanation of the last failure in this thread (hfile_error_detail)."""
    detail = lib().hfile_error_detail(errnum)
    return detail.decode(errors="replace") if detail else None


def describe(url: str) -> dict[str, str]:
    """How htslib would reach *url*: hts_s3_describe(), as a dict (no secret).
    Raises OSError with htslib's explanation if the configuration is refused."""
    h = lib()
    ctypes.set_errno(0)
    pointer = h.hts_s3_describe(url.encode())
    if not pointer:
        err = ctypes.get_errno() or 22
        raise OSError(err, error_detail(err) or os.strerror(err))
    try:
        text = ctypes.string_at(pointer).decode(errors="replace")
    finally:
        h.hts_free(pointer)
    return dict(line.split("\t", 1) for line in text.splitlines() if "\t" in line)


def probe(url: str) -> tuple[int, str | None]:
    """Open *url* with htslib and close it: (0, None), or (errno, explanation)."""
    h = lib()
    ctypes.set_errno(0)
    fp = h.hopen(url.encode(), b"r")
    if not fp:
        err = ctypes.get_errno() or 5
        return err, error_detail(err) or os.strerror(err)
    h.hclose(fp)
    return 0, None
