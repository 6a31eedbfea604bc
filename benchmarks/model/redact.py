"""Secrets never reach results: redaction by name and scrubbing by value, applied by the writer.

A variable whose name contains KEY, SECRET, TOKEN, PASSWORD, CREDENTIAL, PASSWD or AUTH is
recorded as redacted, and the value of every such variable anywhere in the process environment
is scrubbed from everything written (a token pasted into NCCL_* or onto the command line too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SECRET_MARKERS = ("KEY", "SECRET", "TOKEN", "PASSWORD", "CREDENTIAL", "PASSWD", "AUTH")
REDACTED = "<redacted>"


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return any(marker in upper for marker in SECRET_MARKERS)


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """Values of secret-looking variables, longest first (so substrings scrub cleanly)."""
    values = {v for k, v in environ.items() if is_secret_name(k) and len(v) >= 4}
    return sorted(values, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    for value in secrets:
        text = text.replace(value, REDACTED)
    return text


def scrub_obj(obj: Any, secrets: list[str]) -> Any:
    """Scrub secret values from every string in a JSON-like structure."""
    if isinstance(obj, str):
        return scrub(obj, secrets)
    if isinstance(obj, dict):
        return {scrub_obj(k, secrets): scrub_obj(v, secrets) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [scrub_obj(v, secrets) for v in obj]
    return obj
