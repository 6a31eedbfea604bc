"""The run plan: YAML presets + CLI flags, validated once into one immutable RunConfig.

Every key is declared once in FIELDS with its coercion and its check, so a YAML file and a CLI
flag go through the same code and fail with the same one-line message naming the file (or the
flag) and the key.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

from fabricbench.benchmarks.model.errors import ConfigError
from fabricbench.benchmarks.sizes import format_size, parse_size, sweep
from fabricbench.collectives import registry
from fabricbench.collectives.data import REDOPS
from fabricbench.collectives.dtypes import DTYPES, get_dtype

TIMING_MODES = ("auto", "iter", "batch", "graph")
DEVICES = ("cpu", "cuda")
BACKENDS = ("mpi", "torch")
PATTERNS = ("collective", "pairwise", "bisection", "intra", "locate")


@dataclass(frozen=True)
class RunConfig:
    collectives: tuple[str, ...] = (registry.DEFAULT,)
    backends: tuple[str, ...] = ("mpi",)
    device: str = "cpu"
    dtypes: tuple[str, ...] = ("float32",)
    redops: tuple[str, ...] = ("sum",)
    inplace: str = "auto"  # auto | 0 | 1 | both
    minbytes: int = 32 << 20
    maxbytes: int = 32 << 20
    stepfactor: int = 1
    stepbytes: int = 1 << 20
    sizes: tuple[int, ...] = ()  # explicit sizes; replaces the min/max/step sweep
    iters: Optional[int] = None  # fixed sample count; None = adaptive
    warmup_iters: int = 5
    check: int = 1
    timing: str = "auto"
    batch_ops: int = 20
    graph_below: int = 1 << 20  # auto timing on CUDA: CUDA-graph batches below this size
    ci_target: float = 0.01
    time_cap: float = 2.0
    min_iters: int = 20
    max_iters: int = 100_000
    timeout: float = 300.0  # seconds without progress before the run is stopped; 0 = off
    root: int = 0
    window: int = 64
    pair: tuple[int, int] = (0, -1)  # point-to-point ranks; negative counts from the end
    pattern: str = "collective"  # collective | pairwise | bisection | intra (point-to-point between node pairs)
    per_gpu: bool = False  # pairwise: every local rank with its peer on the other node, not one rank per node
    rounds: Optional[int] = None  # pairwise: a random subset of rounds (huge clusters)
    group_size: int = 0  # locate: nodes per group (0: 16, or a quarter of the nodes when fewer than 64)
    locate_links: str = "found"  # locate: "found" (links that show up), or "full" (cover every pair of nodes)
    seed: int = 0  # locate: how groups are drawn
    out: str = "results"
    tag: str = ""
    instance_type: Optional[str] = None
    instance_metadata: bool = False  # ask the cloud metadata service (opt-in, 1 s timeout)
    preset_for: Optional[str] = None  # the instance type a preset is written for (never the detected type)
    expanded: tuple[str, ...] = ()  # keys given as `all` (or --inplace both): run what can run, note the rest
    force: bool = False  # run even when preflight says the environment is invalid
    env: tuple[tuple[str, str], ...] = ()  # environment a preset recommends (set unless already set)
    expected: tuple[tuple[str, float], ...] = ()  # a preset's documented expectations (checked against the catalog)
    description: str = ""

    def sweep_sizes(self) -> list[int]:
        if self.sizes:
            return list(self.sizes)
        return sweep(self.minbytes, self.maxbytes, self.stepfactor, self.stepbytes)

    def as_dict(self) -> dict[str, Any]:
        out = {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}
        out["env"], out["expected"] = dict(self.env), dict(self.expected)
        return out


def did_you_mean(word: str, known: list[str] | tuple[str, ...]) -> str:
    """' (did you mean X?)' when a known word is close, else ''."""
    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError("expected a list of names or a comma-separated string")


def _collectives(value: Any) -> tuple[str, ...]:
    names = _list(value)
    if names == ["all"]:
        return tuple(registry.names())
    out = []
    for n in names:
        try:
            out.append(registry.get(n).name)
        except registry.UnknownCollective:
            known = registry.names()
            raise ValueError(f"unknown collective {n!r}{did_you_mean(registry.canonical(n), known)} "
                             f"(known: {', '.join(known)}, or all)") from None
    return tuple(dict.fromkeys(out))


def _choices(allowed: tuple[str, ...]) -> Callable[[Any], tuple[str, ...]]:
    def coerce(value: Any) -> tuple[str, ...]:
        names = _list(value)
        if names == ["all"]:
            return allowed
        for n in names:
            if n not in allowed:
                raise ValueError(f"{n!r} is not one of {', '.join(allowed)}{did_you_mean(n, allowed)}")
        return tuple(dict.fromkeys(names))

    return coerce


def _dtypes(value: Any) -> tuple[str, ...]:
    names = _list(value)
    if names == ["all"]:
        return tuple(DTYPES)
    out = []
    for n in names:
        try:
            out.append(get_dtype(n).name)
        except KeyError:
            raise ValueError(f"unknown datatype {n!r}{did_you_mean(n, list(DTYPES))} "
                             f"(known: {', '.join(DTYPES)}, or all)") from None
    return tuple(dict.fromkeys(out))


def _redops(value: Any) -> tuple[str, ...]:
    names = _list(value)
    if names == ["all"]:
        return tuple(REDOPS)
    for n in names:
        if n not in REDOPS:
            raise ValueError(f"unknown reduction {n!r}{did_you_mean(n, list(REDOPS))} "
                             f"(known: {', '.join(REDOPS)}, or all)")
    return tuple(dict.fromkeys(names))


def _one_of(allowed: tuple[str, ...]) -> Callable[[Any], str]:
    def coerce(value: Any) -> str:
        text = str(value).strip().lower() if not isinstance(value, bool) else str(int(value))
        if text not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}{did_you_mean(text, allowed)}")
        return text

    return coerce


def _int(lo: Optional[int] = None, hi: Optional[int] = None) -> Callable[[Any], int]:
    def coerce(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError(f"{value!r} is not an integer")
        try:
            n = int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an integer") from None
        if lo is not None and n < lo:
            raise ValueError(f"{n} is below the minimum {lo}")
        if hi is not None and n > hi:
            raise ValueError(f"{n} is above the maximum {hi}")
        return n

    return coerce


def _float(lo: float, hi: Optional[float] = None) -> Callable[[Any], float]:
    def coerce(value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a number")
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
        if x < lo or (hi is not None and x > hi):
            raise ValueError(f"{x} is outside [{lo}, {hi if hi is not None else 'inf'}]")
        return x

    return coerce


def _size(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, (int, str)):
        raise ValueError(f"{value!r} is not a size")
    return parse_size(value)


def _sizes(value: Any) -> tuple[int, ...]:
    items = _list(value) if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError("expected a non-empty list of sizes, e.g. 8,64K,1M")
    return tuple(_size(v) for v in items)


def _pair(value: Any) -> tuple[int, int]:
    parts = _list(value) if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else []
    if len(parts) != 2:
        raise ValueError("expected two ranks, e.g. '0,-1'")
    a, b = (_int()(p) for p in parts)
    return a, b


def _mapping(value: Any, kind: type, keys: Optional[tuple[str, ...]] = None) -> tuple[tuple[str, Any], ...]:
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of names to values")
    out = []
    for k, v in value.items():
        if keys is not None and k not in keys:
            raise ValueError(f"unknown entry {k!r} (known: {', '.join(keys)})")
        if isinstance(v, (dict, list)) or v is None:
            raise ValueError(f"{k}: expected a single value")
        out.append((str(k), kind(v) if kind is not str else str(v)))
    return tuple(sorted(out))


def _str(value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"{value!r} is not a string")
    return str(value)


def _optional_str(value: Any) -> Optional[str]:
    return None if value is None else _str(value)


def _optional_int(value: Any) -> Optional[int]:
    return None if value is None else _int(1)(value)


FIELDS: dict[str, Callable[[Any], Any]] = {
    "collectives": _collectives,
    "backends": _choices(BACKENDS),
    "device": _one_of(DEVICES),
    "dtypes": _dtypes,
    "redops": _redops,
    "inplace": _one_of(("auto", "0", "1", "both")),
    "minbytes": _size,
    "maxbytes": _size,
    "stepfactor": _int(1),
    "stepbytes": _size,
    "sizes": _sizes,
    "iters": _optional_int,
    "warmup_iters": _int(0, 1_000_000),
    "check": _int(0, 1000),
    "timing": _one_of(TIMING_MODES),
    "batch_ops": _int(1, 1_000_000),
    "graph_below": _size,
    "ci_target": _float(1e-4, 1.0),
    "time_cap": _float(0.0),
    "min_iters": _int(1),
    "max_iters": _int(1),
    "timeout": _float(0.0),
    "root": _int(0),
    "window": _int(1, 1024),
    "pair": _pair,
    "pattern": _one_of(PATTERNS),
    "per_gpu": lambda v: _one_of(("0", "1", "true", "false"))(v) in ("1", "true"),
    "rounds": _optional_int,
    "group_size": _int(0, 1 << 20),
    "locate_links": _one_of(("found", "full")),
    "seed": _int(0),
    "out": _str,
    "tag": _str,
    "instance_type": _optional_str,
    "instance_metadata": lambda v: _one_of(("0", "1", "true", "false"))(v) in ("1", "true"),
    "preset_for": _optional_str,
    "expanded": lambda v: tuple(_list(v)),
    "force": lambda v: _one_of(("0", "1", "true", "false"))(v) in ("1", "true"),
    "env": lambda v: _mapping(v, str),
    "expected": lambda v: _mapping(v, float, keys=("nics", "gpus", "peak_intra_gbps", "peak_inter_gbps")),
    "description": _str,
}
assert set(FIELDS) == {f.name for f in dataclasses.fields(RunConfig)}


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file into a mapping; every problem is a one-line ConfigError."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(str(p), "config", "file not found")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(str(p), where, f"invalid YAML: {problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(p), "config", f"cannot read: {exc}") from None
    if data is None:
        raise ConfigError(str(p), "config", "the file is empty (a config is a mapping of keys to values)")
    if not isinstance(data, dict):
        raise ConfigError(str(p), "config", "top level must be a mapping of keys to values")
    return data


def build_config(layers: list[tuple[str, Mapping[str, Any]]]) -> RunConfig:
    """Apply (source, values) layers in order over the defaults, validating each key."""
    values: dict[str, Any] = {}
    given: dict[str, str] = {}  # key -> the layer that set it (to name defaults in errors)
    for source, layer in layers:
        for key, raw in layer.items():
            name = str(key).replace("-", "_")
            if name not in FIELDS or name in INTERNAL:
                known = [k for k in FIELDS if k not in INTERNAL]
                raise ConfigError(source, str(key),
                                  f"unknown key{did_you_mean(name, known)} (known: {', '.join(known)})")
            try:
                values[name] = FIELDS[name](raw)
            except ValueError as exc:
                raise ConfigError(source, str(key), str(exc)) from None
            if name in ("collectives", "dtypes", "redops", "backends"):
                expanded = set(values.get("expanded", ())) - {name}
                if isinstance(raw, (str, list, tuple)) and _list(raw) == ["all"]:
                    expanded.add(name)
                values["expanded"] = tuple(sorted(expanded))
            given[name] = source
    cfg = RunConfig(**values)
    _check_consistency(cfg, given)
    return cfg


INTERNAL = ("expanded",)  # derived keys, not settable


def _origin(given: dict[str, str], key: str, shown: str) -> str:
    return f"{shown} (the default)" if key not in given else shown


def _check_consistency(cfg: RunConfig, given: dict[str, str]) -> None:
    source = next(iter(reversed(given.values())), "defaults")
    if cfg.minbytes > cfg.maxbytes and not cfg.sizes:
        where = given.get("minbytes") or given.get("maxbytes") or source
        raise ConfigError(where, "minbytes", f"{_origin(given, 'minbytes', format_size(cfg.minbytes))} is larger "
                                             f"than maxbytes {_origin(given, 'maxbytes', format_size(cfg.maxbytes))}")
    if cfg.min_iters > cfg.max_iters:
        raise ConfigError(source, "min_iters", f"{_origin(given, 'min_iters', str(cfg.min_iters))} is larger than "
                                               f"max_iters {_origin(given, 'max_iters', str(cfg.max_iters))}")
    if cfg.stepfactor <= 1 and cfg.stepbytes == 0 and cfg.minbytes != cfg.maxbytes:
        raise ConfigError(source, "stepbytes", "0 with no stepfactor would never reach maxbytes")
    if len(cfg.sweep_sizes()) > 10_000:
        raise ConfigError(source, "stepbytes", "the sweep would have more than 10,000 sizes")
