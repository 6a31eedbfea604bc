"""broadcast: the root's buffer is copied to every rank."""

from fabricbench.collectives.data import pattern
from fabricbench.collectives.registry import register
from fabricbench.collectives.spec import CollectiveSpec, unit_factor, whole_counts

SPEC = register(
    CollectiveSpec(
        name="broadcast",
        primitive="broadcast",
        counts=whole_counts,
        busbw_factor=unit_factor,  # root-bound: every byte leaves the root once
        launch=lambda be, b, ctx: be.broadcast(b.recv, ctx.root),
        # Non-root ranks start from the sentinel, so an untouched element is caught.
        fill=lambda ctx, idx: pattern(ctx.root, idx) if ctx.rank == ctx.root else None,
        expected=lambda ctx, idx: pattern(ctx.root, idx),
        # MPI_Bcast and torch broadcast work on one buffer: broadcast is in place by nature.
        inplace_modes=(True,),
        uses_root=True,
        native_kernel="bcast",
        description="size = buffer, count = its elements",
        nccl_tests_programs=("broadcast_perf",),
        tool_names=(
            "Broadcast", "Bcast", "osu_bcast", "OSU Broadcast Latency", "OSU Bcast", "osu_xccl_bcast", "MPI_Bcast",
        ),
        name_hints=(r"broadcast|bcast",),
    )
)
