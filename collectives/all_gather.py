"""all_gather: every rank ends with every rank's chunk, in rank order."""

from fabricbench.collectives.data import pattern
from fabricbench.collectives.registry import register
from fabricbench.collectives.spec import CollectiveSpec, Counts, ring_factor, split_count


def _counts(size_bytes: int, elem: int, n: int) -> Counts:
    c = split_count(size_bytes, elem, n)
    return Counts(send=c, recv=n * c, count=c, size_bytes=n * c * elem, chunk=c)


def _expected(ctx, idx):
    c = ctx.counts.chunk
    return pattern(idx // c, idx % c) if c else pattern(0, idx)


SPEC = register(
    CollectiveSpec(
        name="all_gather",
        primitive="all_gather",
        counts=_counts,
        busbw_factor=ring_factor,
        launch=lambda be, b, ctx: be.all_gather(b.send, b.recv, b.inplace),
        fill=lambda ctx, idx: pattern(ctx.rank, idx),
        expected=_expected,
        # In place, this rank's contribution already sits at its slot of the output.
        inplace_offsets=lambda ctx: (ctx.rank * ctx.counts.chunk, 0),
        native_kernel="allgather",
        description="size = n x per-rank chunk (the whole output), count = per-rank elements",
        nccl_tests_programs=("all_gather_perf",),
        tool_names=(
            "AllGather", "Allgather", "osu_allgather", "OSU Allgather Latency", "OSU Allgather", "osu_xccl_allgather",
            "MPI_Allgather",
        ),
        pre2020_algbw_is_busbw=True,
        mpi_size_per_rank=True,
        name_hints=(r"all_?gather",),
    )
)
