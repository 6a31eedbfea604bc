"""Which instance type (and cloud) is this? Without network calls unless asked.

Order: an explicit override (--instance-type), FABRICBENCH_INSTANCE_TYPE, the AWS DMI
product_name (Nitro puts the instance type there), then, only with --instance-metadata, the
cloud's metadata service with a short timeout. Azure and GCP are recognised from DMI
(shared/docs/instances.md section 2.1) but do not expose the VM size locally. Anything else,
like a CPU test box, is 'unknown', never a guess.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

DMI = Path("/sys/class/dmi/id")
AZURE_CHASSIS_TAG = "7783-7084-3265-9085-8269-3286-77"  # cloud-init ChassisAssetTag.AZURE_CLOUD
_AWS_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.(?:\d*x?large|metal|medium|small|micro|nano)$")
METADATA_TIMEOUT_S = 1.0


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def dmi_facts(dmi: Path = DMI) -> dict[str, Optional[str]]:
    return {name: _read(dmi / name) for name in ("sys_vendor", "product_name", "chassis_asset_tag",
                                                   "board_asset_tag", "product_serial")}


def recognise_cloud(d: Mapping[str, Optional[str]]) -> str:
    if d.get("sys_vendor") == "Amazon EC2" or re.match(r"^i-[0-9a-f]+$", d.get("board_asset_tag") or ""):
        return "aws"
    if d.get("chassis_asset_tag") == AZURE_CHASSIS_TAG:
        return "azure"
    if d.get("product_name") == "Google Compute Engine" or (d.get("product_serial") or "").startswith("GoogleCloud-"):
        return "gcp"
    return "unknown"


def _get(url: str, headers: dict[str, str], method: str = "GET", timeout: float = METADATA_TIMEOUT_S) -> Optional[str]:
    req = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - fixed, opt-in endpoints
            return resp.read(4096).decode("utf-8", "replace").strip() or None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def metadata_instance_type(cloud: str, base: Optional[str] = None) -> Optional[str]:
    """Ask the cloud's metadata service (only called with --instance-metadata)."""
    aws_base = base or "http://169.254.169.254"
    if cloud == "aws":
        token = _get(f"{aws_base}/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"}, "PUT")
        headers = {"X-aws-ec2-metadata-token": token} if token else {}
        return _get(f"{aws_base}/latest/meta-data/instance-type", headers)
    if cloud == "azure":
        url = f"{aws_base}/metadata/instance/compute/vmSize?api-version=2021-02-01&format=text"
        return _get(url, {"Metadata": "true"})
    if cloud == "gcp":
        gcp_base = base or "http://metadata.google.internal"
        value = _get(f"{gcp_base}/computeMetadata/v1/instance/machine-type", {"Metadata-Flavor": "Google"})
        return value.rsplit("/", 1)[-1] if value else None
    return None


def detect(override: Optional[str] = None, environ: Optional[Mapping[str, str]] = None, use_metadata: bool = False,
           dmi: Path = DMI) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    facts = dmi_facts(dmi)
    cloud = recognise_cloud(facts)
    out: dict[str, Any] = {"cloud": cloud, "dmi_product_name": facts["product_name"],
                           "dmi_sys_vendor": facts["sys_vendor"]}
    if override:
        return {**out, "instance_type": override, "source": "cli"}
    if env.get("FABRICBENCH_INSTANCE_TYPE"):
        return {**out, "instance_type": env["FABRICBENCH_INSTANCE_TYPE"], "source": "env"}
    product = facts["product_name"] or ""
    if _AWS_TYPE.match(product) and cloud in ("aws", "unknown"):
        return {**out, "instance_type": product, "source": "dmi", "cloud": "aws"}
    if use_metadata and cloud != "unknown":
        found = metadata_instance_type(cloud, env.get("FABRICBENCH_METADATA_URL"))
        if found:
            return {**out, "instance_type": found, "source": "metadata"}
    return {**out, "instance_type": "unknown", "source": "none"}
