"""Point-to-point between two ranks (ctx.peers): latency, uni- and bi-directional bandwidth.

Definitions follow the OSU micro-benchmarks, which operators already know: latency is half a
round trip (osu_latency); bandwidth streams a window of outstanding messages and waits for a
small acknowledgement (osu_bw); bidirectional bandwidth streams a window both ways at once
(osu_bibw). Ranks outside the pair stay idle and only join the timing barrier.
"""

from fabricbench.collectives.data import pattern
from fabricbench.collectives.registry import register
from fabricbench.collectives.spec import CollectiveSpec, whole_counts


def _peer(ctx) -> int:
    a, b = ctx.peers
    return b if ctx.rank == a else a


def _pingpong(be, b, ctx):
    a, _ = ctx.peers
    if ctx.rank not in ctx.peers:
        return None
    peer = _peer(ctx)
    if ctx.rank == a:
        be.wait(be.exchange(sends=[(b.send, peer)]))
        return be.exchange(recvs=[(b.recv, peer)])
    be.wait(be.exchange(recvs=[(b.recv, peer)]))
    return be.exchange(sends=[(b.recv, peer)])  # echo what arrived, so both sides can check it


def _stream(be, b, ctx):
    a, _ = ctx.peers
    if ctx.rank not in ctx.peers:
        return None
    peer = _peer(ctx)
    if ctx.rank == a:
        be.wait(be.exchange(sends=[(b.send, peer)] * ctx.window))
        return be.exchange(recvs=[(b.ack, peer)])
    be.wait(be.exchange(recvs=[(b.recv, peer)] * ctx.window))
    return be.exchange(sends=[(b.ack, peer)])


def _bidirectional(be, b, ctx):
    if ctx.rank not in ctx.peers:
        return None
    peer = _peer(ctx)
    return be.exchange(sends=[(b.send, peer)] * ctx.window, recvs=[(b.recv, peer)] * ctx.window)


def _fill(ctx, idx):
    return pattern(ctx.rank, idx) if ctx.rank in ctx.peers else None


P2P_LATENCY = register(
    CollectiveSpec(
        name="p2p_latency",
        primitive="exchange",
        counts=whole_counts,
        busbw_factor=lambda n: 1.0,
        launch=_pingpong,
        fill=_fill,
        expected=lambda ctx, idx: pattern(ctx.peers[0], idx) if ctx.rank in ctx.peers else None,
        inplace_modes=(False,),
        point_to_point=True,
        min_ranks=2,
        ops_per_sample=lambda ctx: 2,  # one sample is a round trip; latency is half of it
        native_kernel="pingpong",
        description="ping-pong; time = half round trip; size = message",
        tool_names=("osu_latency", "PingPong", "pingpong", "OSU Latency"),  # OSU's title: "# OSU MPI Latency Test"
        metric="latency",
        peak_scope="gpu",
    )
)

P2P_BW = register(
    CollectiveSpec(
        name="p2p_bw",
        primitive="exchange",
        counts=whole_counts,
        busbw_factor=lambda n: 1.0,
        launch=_stream,
        fill=_fill,
        expected=lambda ctx, idx: pattern(ctx.peers[0], idx) if ctx.rank == ctx.peers[1] else None,
        inplace_modes=(False,),
        point_to_point=True,
        min_ranks=2,
        ops_per_sample=lambda ctx: ctx.window,  # time per message = window time / window
        native_kernel="p2p_bw",
        description="unidirectional stream of a window of messages; size = message",
        tool_names=("osu_bw", "Uniband", "OSU Bandwidth", "Send"),  # NCCL Inspector p2p_perf: one Send is one transfer
        one_way=True,
        peak_scope="gpu",
    )
)

P2P_BIBW = register(
    CollectiveSpec(
        name="p2p_bibw",
        primitive="exchange",
        counts=whole_counts,
        # Both directions carry size bytes per message time: busbw is the aggregate (osu_bibw).
        busbw_factor=lambda n: 2.0,
        launch=_bidirectional,
        fill=_fill,
        expected=lambda ctx, idx: pattern(_peer(ctx), idx) if ctx.rank in ctx.peers else None,
        inplace_modes=(False,),
        point_to_point=True,
        min_ranks=2,
        ops_per_sample=lambda ctx: ctx.window,
        native_kernel="p2p_bibw",
        description="bidirectional window; busbw = aggregate of both directions; size = message",
        tool_names=("osu_bibw", "Biband", "OSU Bi-Directional Bandwidth"),
        peak_scope="gpu",
        directions=2.0,
    )
)
