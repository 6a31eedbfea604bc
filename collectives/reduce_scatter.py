"""reduce_scatter: rank r ends with chunk r of the reduction of all inputs."""

from fabricbench.collectives.registry import register
from fabricbench.collectives.spec import CollectiveSpec, Counts, ring_factor, split_count


def _counts(size_bytes: int, elem: int, n: int) -> Counts:
    c = split_count(size_bytes, elem, n)
    return Counts(send=n * c, recv=c, count=c, size_bytes=n * c * elem, chunk=c)


SPEC = register(
    CollectiveSpec(
        name="reduce_scatter",
        primitive="reduce_scatter",
        counts=_counts,
        busbw_factor=ring_factor,
        launch=lambda be, b, ctx: be.reduce_scatter(b.send, b.recv, ctx.redop.name, b.inplace),
        fill=lambda ctx, idx: ctx.redop.fill(ctx.rank, ctx.nranks, idx),
        expected=lambda ctx, idx: ctx.redop.reduced(ctx.nranks, ctx.rank * ctx.counts.chunk + idx),
        # In place (NCCL convention), the result lands in this rank's slot of the input.
        inplace_offsets=lambda ctx: (0, ctx.rank * ctx.counts.chunk),
        uses_redop=True,
        native_kernel="reduce_scatter",
        description="size = n x per-rank chunk (the whole input), count = per-rank result elements",
        nccl_tests_programs=("reduce_scatter_perf",),
        tool_names=(
            "ReduceScatter", "Reduce_scatter", "Reduce_scatter_block", "osu_reduce_scatter",
            "OSU Reduce_scatter Latency", "OSU Reduce_scatter", "osu_xccl_reduce_scatter",
        ),
        pre2020_algbw_is_busbw=True,
        name_hints=(r"reduce_?scatter",),
    )
)
