"""Backend pieces that need no launcher: aligned host buffers, the native loop's build."""

import ctypes

import numpy as np
import pytest

from fabricbench.collectives.backends import backend_class, names, native_loop
from fabricbench.collectives.backends.mpi_backend import aligned_empty


@pytest.mark.parametrize("count", [1, 3, 256, 262144])
@pytest.mark.parametrize("code", ["b", "e", "f", "d", "q"])
def test_host_buffers_are_cache_line_aligned(count, code):
    a = aligned_empty(count, code)
    assert a.ctypes.data % 64 == 0 and a.shape == (count,) and a.dtype == np.dtype(code)
    a[:] = 1
    assert a.sum(dtype=np.float64) == count


def test_backends_are_registered_and_import_without_gpu():
    assert names() == ["mpi", "torch"]
    for name in names():
        assert backend_class(name).name == name
    from fabricbench.collectives.backends import cuda_timers  # importable without CUDA

    assert cuda_timers.make(None, "batch", 4) is None
    with pytest.raises(KeyError, match="unknown backend"):
        backend_class("ucc")


def test_native_loop_builds_with_the_loaded_mpi(tmp_path):
    from fabricbench.benchmarks.launcher import import_mpi

    import_mpi()
    lib_path = native_loop.build(cache_dir=tmp_path)
    assert lib_path.exists()
    lib = ctypes.CDLL(str(lib_path))
    assert lib.fb_abi_version() == native_loop.ABI_VERSION
    assert native_loop.build(cache_dir=tmp_path) == lib_path  # cached


def test_native_loop_refuses_a_mismatched_compiler(tmp_path, monkeypatch):
    script = tmp_path / "mpicc"
    script.write_text("#!/bin/sh\necho cc -I/elsewhere/include -L/elsewhere/lib -lmpi\n")
    script.chmod(0o755)
    monkeypatch.setenv("MPICC", str(script))
    monkeypatch.setattr(native_loop, "_loaded_libmpi", lambda: tmp_path / "real" / "libmpi.so.12")
    with pytest.raises(RuntimeError, match="links .*elsewhere/lib but the process loaded"):
        native_loop.build(cache_dir=tmp_path)


def test_kernel_table_covers_every_spec():
    from fabricbench.collectives import registry

    assert {s.native_kernel for s in registry.all_specs()} <= set(native_loop.KERNELS)
