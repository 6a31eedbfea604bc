"""Figures for the HTML report: matplotlib -> SVG -> a data: URI for an <img>.

An <img> never runs script, so a hostname or tag that ends up in a legend cannot turn into
markup, and the file stays self-contained (no network, no external fonts: text is drawn by the
viewer's default sans-serif).

Drawing is most of a report's time (a fleet report has dozens of figures), so the public figure
functions return a ``Pending`` figure; ``draw_all`` draws every pending figure of a report at once,
on all cores. Tick labels are plain text: matplotlib's default log-axis labels are mathtext, whose
parser cost half of every figure's drawing time.
"""

from __future__ import annotations

import base64
import io
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from fabricbench.benchmarks.sizes import format_size  # noqa: E402
from fabricbench.reports.analysis import busbw_band  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.grid": True, "grid.alpha": 0.3,
                     "figure.dpi": 100, "svg.hashsalt": "fabricbench"})
_SIZE_FMT = FuncFormatter(lambda x, _: format_size(int(x)) if x >= 1 and float(x).is_integer() else f"{x:g}")
_PLAIN_FMT = FuncFormatter(lambda x, _: f"{x:g}")
PARALLEL_MIN = 8  # fewer figures than this are drawn in this process (a worker pool costs ~1 s to start)


@dataclass
class Pending:
    """A figure to draw: ``draw_all`` fills ``uri``; str() is the data URI (drawn now if need be)."""

    draw: Callable[..., str]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    uri: str = ""

    def __str__(self) -> str:
        if not self.uri:
            self.uri = self.draw(*self.args, **self.kwargs)
        return self.uri


def deferred(draw: Callable[..., str]) -> Callable[..., Pending]:
    def make(*args: Any, **kwargs: Any) -> Pending:
        return Pending(draw, args, kwargs)

    make.__name__, make.__doc__ = draw.__name__.lstrip("_"), draw.__doc__
    return make


def _run(item: tuple[Callable[..., str], tuple, dict]) -> str:
    draw, args, kwargs = item
    return draw(*args, **kwargs)


def draw_all(items: list[Pending], workers: Optional[int] = None) -> None:
    """Draw every pending figure, on up to ``workers`` processes (default: the usable cores)."""
    todo = [p for p in items if not p.uri]
    if workers is None:
        workers = int(os.environ.get("FABRICBENCH_REPORT_WORKERS", "0")) or len(os.sched_getaffinity(0))
    if workers <= 1 or len(todo) < PARALLEL_MIN:
        for p in todo:
            str(p)
        return
    # spawn, not fork: the parent may hold threads (pyarrow's pool) whose locks a fork would copy.
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        for p, uri in zip(todo, pool.map(_run, [(p.draw, p.args, p.kwargs) for p in todo], chunksize=2),
                          strict=True):
            p.uri = uri


def _uri(fig: plt.Figure, tight: bool = True) -> str:
    """SVG data URI. Line charts pass tight=False with fixed margins: a tight bounding box draws the
    figure twice."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight" if tight else None, metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue().encode()).decode()


def series_label(row: dict) -> str:
    place = " in-place" if row.get("inplace") else ""
    return (f"{row.get('family', '')} {str(row['run_id'])[-6:]} {row['backend']}{place} "
            f"{int(row['nnodes'] or 0)}n/{int(row['nranks'] or 0)}r").strip()


def _series(df: pd.DataFrame):
    cols = ["run_id", "backend", "dtype", "redop", "inplace"]
    for _, g in df.sort_values("size_bytes").groupby(cols, sort=True, dropna=False):
        g = g[g["size_bytes"] > 0]
        if not g.empty:
            yield series_label(g.iloc[0].to_dict()), g


MAX_LEGEND = 10  # beyond this the HTML lists the series instead of drowning the plot


def _legend(ax: plt.Axes) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if 0 < len(labels) <= MAX_LEGEND:
        ax.legend(fontsize=7, loc="upper left")


def _band(ax: plt.Axes, g: pd.DataFrame, lo: str, hi: str, color: str) -> None:
    """A CI band where both bounds exist (a single nccl-tests sample has none)."""
    band = g.dropna(subset=[lo, hi])
    if not band.empty:
        ax.fill_between(band["size_bytes"], band[lo], band[hi], alpha=0.2, color=color, linewidth=0)


def _finish(ax: plt.Axes, fig: plt.Figure, ylabel: str, title: str, logy: bool = False) -> str:
    """Message size on a log2 axis, labels, legend, and the figure as a data URI."""
    ax.set_xscale("log", base=2)
    if logy:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(_PLAIN_FMT)
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(_SIZE_FMT)
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("message size (bytes)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _legend(ax)
    _margins(ax, fig)
    return _uri(fig, tight=False)


def _margins(ax: plt.Axes, fig: plt.Figure) -> None:
    """Fixed margins wide enough for the y tick labels, estimated without drawing the figure."""
    lo, hi = sorted(ax.get_ylim())
    fmt = ax.yaxis.get_major_formatter()
    ticks = [v for v in ax.yaxis.get_majorticklocs() if lo <= v <= hi]
    widest = max((len(fmt(v, i)) for i, v in enumerate(ticks)), default=4)
    left_in = 0.6 + 0.075 * widest  # y label, tick marks, then ~0.075 in per character at 9 pt
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=min(left_in / width, 0.3), right=0.98, bottom=0.5 / height, top=1 - 0.32 / height)


def _busbw_figure(df: pd.DataFrame, title: str, peak: Optional[float], color_by: Optional[str] = None) -> str:
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    colors: dict = {}
    for label, g in _series(df):
        lo, hi = busbw_band(g)
        if color_by:  # one colour and one legend entry per group (e.g. per family)
            key = g.iloc[0][color_by]
            kw = {"color": colors[key]} if key in colors else {}
            line, = ax.plot(g["size_bytes"], g["busbw_gbps"], marker=".",
                            label=None if key in colors else key, **kw)
            colors.setdefault(key, line.get_color())
        else:
            line, = ax.plot(g["size_bytes"], g["busbw_gbps"], marker=".", label=label)
        ax.fill_between(g["size_bytes"], lo, hi, alpha=0.2, color=line.get_color(), linewidth=0)
    if peak:
        ax.axhline(peak, linestyle="--", color="black", linewidth=1, label=f"peak {peak:g} GB/s")
    return _finish(ax, fig, "busbw (GB/s)", title)


def _latency_figure(df: pd.DataFrame, title: str) -> str:
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for label, g in _series(df):
        line, = ax.plot(g["size_bytes"], g["time_us_median"], marker=".", label=label)
        _band(ax, g, "time_us_ci_low", "time_us_ci_high", line.get_color())
    return _finish(ax, fig, "time per op (us), median, 95% CI", title, logy=True)


def _ratio_figure(cmp: pd.DataFrame, title: str) -> str:
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    for (run_id, backend, inplace), g in cmp.sort_values("size_bytes").groupby(["run_id", "backend", "inplace"]):
        line, = ax.plot(g["size_bytes"], g["ratio"], marker=".", label=f"{str(run_id)[-6:]} {backend}"
                        + (" in-place" if inplace else ""))
        _band(ax, g, "ratio_ci_low", "ratio_ci_high", line.get_color())
    ax.axhline(1.0, color="black", linewidth=1)
    return _finish(ax, fig, "time ratio (<1: faster)", title)


def _heatmap_figure(links: pd.DataFrame, title: str, unit: str) -> str:
    """The link matrix: rows send, columns receive; hosts labelled; values written when it fits."""
    m = links.pivot(index="src", columns="dst", values="value")
    hosts = sorted(set(m.index) | set(m.columns))
    m = m.reindex(index=hosts, columns=hosts)
    size = min(2.5 + 0.35 * len(hosts), 12)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    im = ax.imshow(m.to_numpy(dtype=float), cmap="viridis")
    ax.set_xticks(range(len(hosts)), hosts, rotation=90, fontsize=7)
    ax.set_yticks(range(len(hosts)), hosts, fontsize=7)
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    if len(hosts) <= 16:
        for i in range(len(hosts)):
            for j in range(len(hosts)):
                v = m.iat[i, j]
                if pd.notna(v):
                    ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=6, color="white")
    fig.colorbar(im, ax=ax, label=unit)
    ax.set_title(title, fontsize=9)
    ax.grid(False)
    return _uri(fig)


def _rank_skew_figure(points: pd.DataFrame, title: str) -> str:
    """Per rank, how much slower its median is than the fastest rank's, at each collective's largest size."""
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    for coll, g in points.groupby("collective"):
        big = g.loc[g["size_bytes"].idxmax()]
        med = pd.Series(big["rank_median_us"], dtype=float)
        label = f"{coll} {format_size(big['size_bytes'])}"
        ax.plot(range(len(med)), 100 * (med / med.min() - 1), marker="o", label=label)
    ax.set_xlabel("rank")
    ax.set_ylabel("median time vs fastest rank (%)")
    ax.set_title(title)
    _legend(ax)
    return _uri(fig)


def _timeline_figure(line: pd.DataFrame, dips: pd.DataFrame, title: str) -> str:
    """busbw over a production job's life, one line per collective and size, its dips shaded."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for (coll, size, n), g in line.groupby(["collective", "size_bytes", "nranks"], sort=True):
        ax.plot(g["t_s"], g["busbw_gbps"], marker=".", markersize=3, label=f"{coll} {format_size(int(size))} {n}r")
    for d in dips.itertuples(index=False):
        ax.axvspan(d.start_s, d.end_s, color="red", alpha=0.12, linewidth=0)
    ax.set_xlabel("seconds since the job's first record")
    ax.set_ylabel("busbw (GB/s)")
    ax.set_title(title, fontsize=9)
    ax.xaxis.set_major_formatter(_PLAIN_FMT)
    ax.yaxis.set_major_formatter(_PLAIN_FMT)
    _legend(ax)
    return _uri(fig)


busbw_figure = deferred(_busbw_figure)
timeline_figure = deferred(_timeline_figure)
latency_figure = deferred(_latency_figure)
ratio_figure = deferred(_ratio_figure)
heatmap_figure = deferred(_heatmap_figure)
rank_skew_figure = deferred(_rank_skew_figure)
