"""sendrecv: a ring shift; rank r sends to r+1 and receives from r-1, all at once."""

from fabricbench.collectives.data import pattern
from fabricbench.collectives.registry import register
from fabricbench.collectives.spec import CollectiveSpec, unit_factor, whole_counts


def _launch(be, b, ctx):
    n = ctx.nranks
    return be.exchange(sends=[(b.send, (ctx.rank + 1) % n)], recvs=[(b.recv, (ctx.rank - 1) % n)])


SPEC = register(
    CollectiveSpec(
        name="sendrecv",
        primitive="exchange",
        counts=whole_counts,
        busbw_factor=unit_factor,
        launch=_launch,
        fill=lambda ctx, idx: pattern(ctx.rank, idx),
        expected=lambda ctx, idx: pattern((ctx.rank - 1) % ctx.nranks, idx),
        inplace_modes=(False,),
        native_kernel="sendrecv",
        min_ranks=2,  # gloo cannot send to itself; a one-rank ring moves nothing anyway
        description="size = per-rank send, count = its elements",
        nccl_tests_programs=("sendrecv_perf",),
        tool_names=("SendRecv", "Sendrecv", "MPI_Sendrecv"),
        name_hints=(r"sendrecv",),
        peak_scope="gpu",
    )
)
