"""Message sizes: nccl-tests' K/M/G binary suffixes and its sweep rule."""

from __future__ import annotations

import re

_SUFFIX = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


def parse_size(text: str | int) -> int:
    """'8', '64K', '1M', '8G' (binary, as in nccl-tests); raises ValueError with the reason."""
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a size")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"{text} is negative")
        return text
    m = _SIZE.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a size (expected a number with an optional K/M/G suffix)")
    return int(m.group(1)) * _SUFFIX[m.group(2).upper()]


def format_size(n: int) -> str:
    for suffix, scale in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{suffix}"
    return str(n)


def sweep(minbytes: int, maxbytes: int, stepfactor: int = 1, stepbytes: int = 1 << 20) -> list[int]:
    """Sizes from min to max: multiplied by the factor when it is > 1, else stepped linearly."""
    if minbytes > maxbytes:
        raise ValueError(f"minbytes {minbytes} is larger than maxbytes {maxbytes}")
    sizes = []
    size = minbytes
    while size <= maxbytes:
        sizes.append(size)
        if stepfactor > 1:
            if size == 0:
                break
            size *= stepfactor
        else:
            if stepbytes <= 0:
                break
            size += stepbytes
    return sizes
