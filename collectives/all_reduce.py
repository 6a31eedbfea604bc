"""all_reduce: every rank ends with the reduction of all inputs."""

from fabricbench.collectives.registry import register
from fabricbench.collectives.spec import CollectiveSpec, whole_counts

SPEC = register(
    CollectiveSpec(
        name="all_reduce",
        primitive="all_reduce",
        counts=whole_counts,
        # 2(n-1) transfers per element over n links (nccl-tests PERFORMANCE.md).
        busbw_factor=lambda n: 2.0 * (n - 1) / n if n > 0 else 0.0,
        launch=lambda be, b, ctx: be.all_reduce(b.send, b.recv, ctx.redop.name, b.inplace),
        fill=lambda ctx, idx: ctx.redop.fill(ctx.rank, ctx.nranks, idx),
        expected=lambda ctx, idx: ctx.redop.reduced(ctx.nranks, idx),
        uses_redop=True,
        native_kernel="allreduce",
        description="size = whole buffer, count = its elements",
        nccl_tests_programs=("all_reduce_perf",),
        tool_names=(
            "AllReduce", "Allreduce", "osu_allreduce", "OSU Allreduce Latency", "OSU Allreduce", "osu_xccl_allreduce",
            "MPI_Allreduce",
        ),
        name_hints=(r"all_?reduce",),
    )
)
