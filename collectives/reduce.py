"""reduce: the root ends with the reduction of all inputs."""

from fabricbench.collectives.registry import register
from fabricbench.collectives.spec import CollectiveSpec, unit_factor, whole_counts

SPEC = register(
    CollectiveSpec(
        name="reduce",
        primitive="reduce",
        counts=whole_counts,
        busbw_factor=unit_factor,
        launch=lambda be, b, ctx: be.reduce(b.send, b.recv, ctx.redop.name, ctx.root, b.inplace),
        fill=lambda ctx, idx: ctx.redop.fill(ctx.rank, ctx.nranks, idx),
        expected=lambda ctx, idx: ctx.redop.reduced(ctx.nranks, idx) if ctx.rank == ctx.root else None,
        uses_redop=True,
        uses_root=True,
        native_kernel="reduce",
        description="size = buffer, count = its elements",
        nccl_tests_programs=("reduce_perf",),
        tool_names=(
            "Reduce", "osu_reduce", "OSU Reduce Latency", "OSU Reduce", "osu_xccl_reduce", "MPI_Reduce",
        ),
        name_hints=(r"(?<!all_)(?<!all)reduce(?!_?scatter)",),
    )
)
