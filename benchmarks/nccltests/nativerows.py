"""Build and load the row scanner in C (native/fb_rows.c), the fast path of fastrows.quick_rows.

Compiled on first use with the C compiler ($CC, else cc, gcc or clang on PATH) and cached like the
MPI timing loop. Without a compiler, or with FABRICBENCH_NO_NATIVE set, ingest reads the same rows
on the Python path, at under half the speed; STATUS says which path runs and why.
"""

from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path
from typing import Any, Optional

from fabricbench.collectives.backends.cbuild import compile_shared, load_once

SOURCE = Path(__file__).with_name("native") / "fb_rows.c"
ABI_VERSION = 3
STATUS: dict[str, Any] = {"available": None, "reason": "not tried"}
_LIB: dict[str, Any] = {}


def find_cc(environ: Optional[dict[str, str]] = None) -> tuple[Optional[str], str]:
    """(the C compiler, where it was found)."""
    env = os.environ if environ is None else environ
    if env.get("CC"):
        found = shutil.which(env["CC"], path=env.get("PATH"))
        return (found, "CC") if found else (None, f"CC={env['CC']} is not an executable")
    for name in ("cc", "gcc", "clang"):
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return found, "PATH"
    return None, "no C compiler: not in CC, no cc, gcc or clang on PATH"


def load() -> Optional[Any]:
    """The loaded scanner, or None (STATUS['reason'] says why); tried once a process."""
    return load_once(_LIB, STATUS, _build, "fb_rows_abi", ABI_VERSION, _configure)


def _build() -> Path:
    cc, where = find_cc()
    STATUS.update(cc=cc, cc_found=where)
    if not cc:
        raise RuntimeError(where)
    return compile_shared(SOURCE, cc, "libfbrows.so")


def _configure(lib: ctypes.CDLL) -> None:
    lib.fb_scan_rows.restype = ctypes.c_long
    lib.fb_scan_rows.argtypes = [ctypes.c_char_p, ctypes.c_long, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_long,
                                 ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long,
                                 ctypes.POINTER(ctypes.c_long)]
