"""Every spec against a table written from shared/docs/nccl-tests.md section 4."""

import numpy as np
import pytest

from fabricbench.collectives import registry
from fabricbench.collectives.data import REDOPS
from fabricbench.collectives.spec import Context


# name: (busbw factor as a function of n, size column for (requested bytes, elem, n), count column)
# From nccl-tests.md section 4: split collectives round the per-rank count down to 16 bytes.
def _split(size, elem, n):
    per = (size // elem) // n
    per -= per % max(16 // elem, 1)
    return per


DOC_TABLE = {
    "all_reduce": (lambda n: 2 * (n - 1) / n, lambda s, e, n: (s // e) * e, lambda s, e, n: s // e),
    "reduce_scatter": (lambda n: (n - 1) / n, lambda s, e, n: n * _split(s, e, n) * e, _split),
    "all_gather": (lambda n: (n - 1) / n, lambda s, e, n: n * _split(s, e, n) * e, _split),
    "all_to_all": (lambda n: (n - 1) / n, lambda s, e, n: n * _split(s, e, n) * e, _split),
    "broadcast": (lambda n: 1.0, lambda s, e, n: (s // e) * e, lambda s, e, n: s // e),
    "reduce": (lambda n: 1.0, lambda s, e, n: (s // e) * e, lambda s, e, n: s // e),
    "sendrecv": (lambda n: 1.0, lambda s, e, n: (s // e) * e, lambda s, e, n: s // e),
}


@pytest.mark.parametrize("name", sorted(DOC_TABLE))
@pytest.mark.parametrize("n", [1, 2, 3, 4, 8, 16, 1024])
def test_busbw_factor_matches_nccl_tests(name, n):
    factor, _, _ = DOC_TABLE[name]
    assert registry.get(name).busbw_factor(n) == pytest.approx(factor(n))


@pytest.mark.parametrize("name", sorted(DOC_TABLE))
@pytest.mark.parametrize("size", [0, 1, 8, 24, 100, 1000, 4096, 65536 + 12, 1 << 30])
@pytest.mark.parametrize("elem", [1, 2, 4, 8])
@pytest.mark.parametrize("n", [1, 2, 3, 8])
def test_size_and_count_semantics(name, size, elem, n):
    _, size_col, count_col = DOC_TABLE[name]
    c = registry.get(name).counts(size, elem, n)
    assert c.size_bytes == size_col(size, elem, n)
    assert c.count == count_col(size, elem, n)


def test_split_rounding_examples_from_doc():
    # 2 ranks, float32: an 8-byte all_gather is 0 bytes per rank (a 0-byte row in nccl-tests).
    assert registry.get("all_gather").counts(8, 4, 2).size_bytes == 0
    assert registry.get("all_gather").counts(32, 4, 2).size_bytes == 32
    assert registry.get("all_to_all").counts(1 << 20, 4, 8).chunk == (1 << 20) // 4 // 8


def test_point_to_point_definitions():
    lat, bw, bibw = (registry.get(n) for n in ("p2p_latency", "p2p_bw", "p2p_bibw"))
    ctx = Context(rank=0, nranks=2, root=0, redop=REDOPS["sum"], counts=lat.counts(8, 4, 2), window=64)
    assert lat.ops_per_sample(ctx) == 2  # half round trip
    assert bw.ops_per_sample(ctx) == 64 and bibw.ops_per_sample(ctx) == 64
    assert bw.busbw_factor(2) == 1.0 and bibw.busbw_factor(2) == 2.0
    assert all(s.min_ranks == 2 for s in (lat, bw, bibw))


def test_aliases_and_unknown():
    assert registry.get("allreduce").name == "all_reduce"
    assert registry.get("pingpong").name == "p2p_latency"
    with pytest.raises(registry.UnknownCollective, match="unknown collective 'all_reduse'"):
        registry.get("all_reduse")


def test_every_spec_is_complete():
    for spec in registry.all_specs():
        assert spec.native_kernel, spec.name
        assert spec.inplace_modes, spec.name
        assert spec.description, spec.name


@pytest.mark.parametrize("redop", sorted(REDOPS))
@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 64])
def test_closed_form_reductions_equal_brute_force(redop, n):
    op = REDOPS[redop]
    idx = np.arange(0, 517, dtype=np.int64)
    inputs = np.stack([op.fill(r, n, idx) for r in range(n)])
    brute = {"sum": inputs.sum(0), "prod": inputs.prod(0), "max": inputs.max(0), "min": inputs.min(0),
             "avg": inputs.sum(0) / n}[redop]
    np.testing.assert_allclose(op.reduced(n, idx), brute)


@pytest.mark.parametrize("redop", sorted(REDOPS))
def test_fill_values_are_exact_in_every_dtype(redop):
    op = REDOPS[redop]
    idx = np.arange(0, 1000, dtype=np.int64)
    for n in (2, 1024):
        for values in (op.fill(0, n, idx), op.reduced(n, idx)):
            if redop == "avg":
                continue
            for dt in (np.int8, np.uint8, np.float16):
                assert np.array_equal(values.astype(dt).astype(np.float64), values)


@pytest.mark.parametrize("name", ["all_gather", "all_to_all", "reduce_scatter", "sendrecv"])
def test_expected_results_match_a_simulated_collective(name):
    """Simulate the collective on numpy inputs built from the specs' own fills."""
    spec, n, elem = registry.get(name), 4, 4
    counts = spec.counts(256, elem, n)
    ctxs = [Context(rank=r, nranks=n, root=0, redop=REDOPS["sum"], counts=counts) for r in range(n)]
    ins = [spec.fill(ctx, np.arange(counts.send)) for ctx in ctxs]
    c = counts.chunk
    sim = {
        "all_gather": lambda r: np.concatenate(ins),
        "all_to_all": lambda r: np.concatenate([ins[p][r * c:(r + 1) * c] for p in range(n)]),
        "reduce_scatter": lambda r: np.sum(ins, axis=0)[r * c:(r + 1) * c],
        "sendrecv": lambda r: ins[(r - 1) % n],
    }[name]
    for r, ctx in enumerate(ctxs):
        np.testing.assert_array_equal(spec.expected(ctx, np.arange(counts.recv)), sim(r))
