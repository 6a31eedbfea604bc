"""Parsers for `fi_info -p efa`, `fi_info --version` and `nvidia-smi topo -m` output."""

from __future__ import annotations

import re
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;]*m|\[[0-9;]*m")


def parse_fi_info(text: str) -> list[dict[str, str]]:
    """Blocks of 'provider: efa / fabric: ... / domain: ...' (any indentation; '...' lines ignored)."""
    blocks: list[dict[str, str]] = []
    for line in text.splitlines():
        m = re.match(r"^\s*(provider|fabric|domain|version|type|protocol):\s*(\S.*?)\s*$", line)
        if not m:
            continue
        key, value = m.groups()
        if key == "provider":
            blocks.append({})
        if blocks:
            blocks[-1].setdefault(key, value)
    return blocks


def efa_summary(blocks: list[dict[str, str]]) -> dict[str, Any]:
    efa = [b for b in blocks if b.get("provider") == "efa"]
    rdm = sorted({b["domain"] for b in efa if b.get("domain", "").endswith("-rdm")})
    return {"efa_provider": bool(efa), "efa_rdm_domains": len(rdm),
            "efa_fabrics": sorted({b.get("fabric", "") for b in efa if b.get("fabric")}),
            "fi_provider_version": next((b["version"] for b in efa if b.get("version")), None)}


def parse_fi_version(text: str) -> str | None:
    m = re.search(r"libfabric:\s*(\d+\.\d+(?:\.\d+)?\S*)", text)
    return m.group(1) if m else None


def parse_topo(text: str) -> dict[str, Any]:
    """`nvidia-smi topo -m`: devices, the link between each pair, NVLink counts per GPU."""
    lines = [_ANSI.sub("", ln).rstrip() for ln in text.splitlines()]
    header_idx = next((i for i, ln in enumerate(lines) if re.search(r"\bGPU0\b", ln) and "Legend" not in ln), None)
    if header_idx is None:
        return {"gpus": [], "nics": [], "links": {}, "nvlinks": {}}
    cols = [t for t in re.split(r"\s+", lines[header_idx].strip()) if re.match(r"^(GPU\d+|NIC\d+|mlx5_\d+)$", t)]
    links: dict[str, dict[str, str]] = {}
    for ln in lines[header_idx + 1:]:
        toks = ln.split()
        if not toks or toks[0] not in cols:
            if toks and toks[0] == "Legend:":
                break
            continue
        links[toks[0]] = dict(zip(cols, toks[1:1 + len(cols)], strict=False))
    gpus = [c for c in cols if c.startswith("GPU")]
    nvlinks = {}
    for g in gpus:
        counts = [int(v[2:]) for k, v in links.get(g, {}).items() if k.startswith("GPU") and re.match(r"^NV\d+$", v)]
        nvlinks[g] = max(counts) if counts else 0
    return {"gpus": gpus, "nics": [c for c in cols if not c.startswith("GPU")], "links": links, "nvlinks": nvlinks}
