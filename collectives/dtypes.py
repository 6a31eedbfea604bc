"""Data types by the names nccl-tests uses (and their common aliases)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class DType:
    name: str  # canonical name, as written to results
    size: int  # bytes per element
    numpy: Optional[str]  # numpy type code; None where numpy has no such type
    torch: str  # attribute of the torch module
    is_float: bool


DTYPES: dict[str, DType] = {
    d.name: d
    for d in (
        DType("int8", 1, "b", "int8", False),
        DType("uint8", 1, "B", "uint8", False),
        DType("int32", 4, "i", "int32", False),
        DType("int64", 8, "q", "int64", False),
        DType("float16", 2, "e", "float16", True),
        DType("bfloat16", 2, None, "bfloat16", True),
        DType("float32", 4, "f", "float32", True),
        DType("float64", 8, "d", "float64", True),
    )
}
ALIASES = {"half": "float16", "float": "float32", "double": "float64", "bf16": "bfloat16",
           "fp16": "float16", "fp32": "float32", "fp64": "float64", "int": "int32",
           "char": "int8"}


def get_dtype(name: str) -> DType:
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in DTYPES:
        raise KeyError(f"unknown datatype {name!r} (known: {', '.join(DTYPES)})")
    return DTYPES[key]
