"""all_to_all: rank r sends its chunk p to rank p and receives chunk r of every rank."""

from fabricbench.collectives.data import pattern
from fabricbench.collectives.registry import register
from fabricbench.collectives.spec import CollectiveSpec, Counts, ring_factor, split_count


def _counts(size_bytes: int, elem: int, n: int) -> Counts:
    c = split_count(size_bytes, elem, n)
    return Counts(send=n * c, recv=n * c, count=c, size_bytes=n * c * elem, chunk=c)


def _expected(ctx, idx):
    c = ctx.counts.chunk
    if not c:
        return pattern(0, idx)
    return pattern(idx // c, ctx.rank * c + idx % c)


SPEC = register(
    CollectiveSpec(
        name="all_to_all",
        primitive="all_to_all",
        counts=_counts,
        # nccl-tests lists (n-1)/n without derivation (its issue #174); on several nodes it
        # reflects about one NIC per GPU, not the aggregate fabric (docs/formulas.md).
        busbw_factor=ring_factor,
        launch=lambda be, b, ctx: be.all_to_all(b.send, b.recv),
        fill=lambda ctx, idx: pattern(ctx.rank, idx),
        expected=_expected,
        inplace_modes=(False,),
        native_kernel="alltoall",
        description="size = n x per-peer chunk (a rank's whole send buffer), count = per-peer elements",
        nccl_tests_programs=("alltoall_perf",),
        tool_names=(
            "AllToAll", "Alltoall", "osu_alltoall", "OSU All-to-All Personalized Exchange Latency", "OSU Alltoall",
            "osu_xccl_alltoall", "MPI_Alltoall",
        ),
        mpi_size_per_rank=True,
        name_hints=(r"all_?to_?all",),
        peak_scope="gpu",
    )
)
