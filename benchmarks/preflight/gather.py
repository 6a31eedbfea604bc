"""Facts about this host. Every probe works without the thing it probes (no GPU, no EFA, no tool)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

from fabricbench.benchmarks.instance import detect
from fabricbench.benchmarks.preflight import counters, sysfs, tools

OFI_PATHS = ("/opt/amazon/ofi-nccl/lib", "/opt/aws-ofi-nccl/lib")
# Settings that must agree across the hosts of a job (preflight names a host that differs).
DRIFT_ENV = ("NCCL_", "FI_", "LD_LIBRARY_PATH")
EFA_INSTALLED = Path("/opt/amazon/efa_installed_packages")


def _run(cmd: list[str], timeout: float = 10.0) -> Optional[str]:
    if not shutil.which(cmd[0]):
        return None
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, errors="replace")
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def gpus(use_torch: bool = True) -> dict[str, Any]:
    """Through torch when the run uses CUDA (or torch is already loaded), else NVML only: a CPU run
    never pays torch's import on every rank. NVML gives the driver version when installed."""
    out: dict[str, Any] = {"count": 0, "model": None, "driver": None, "cuda": None}
    try:
        if not use_torch and "torch" not in sys.modules:
            raise ImportError("not needed")
        import torch

        out["cuda"] = torch.version.cuda
        if torch.cuda.is_available():
            out["count"] = torch.cuda.device_count()
            out["model"] = torch.cuda.get_device_name(0)
            out["nccl"] = ".".join(map(str, torch.cuda.nccl.version()))
    except Exception:  # noqa: BLE001 - a broken CUDA setup is a fact to report, not a crash
        pass
    try:
        import pynvml  # nvidia-ml-py, optional

        pynvml.nvmlInit()
        out["driver"] = pynvml.nvmlSystemGetDriverVersion()
        if not out["count"]:
            out["count"] = pynvml.nvmlDeviceGetCount()
            if out["count"]:
                out["model"] = pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(0))
    except Exception:  # noqa: BLE001 - not installed or no driver
        pass
    return out


def aws_ofi_nccl() -> Optional[str]:
    for base in OFI_PATHS:
        p = Path(base)
        if p.is_dir():
            libs = sorted(p.rglob("libnccl-net*.so*"))
            return str(libs[0]) if libs else base
    return None


def efa_installer() -> Optional[str]:
    try:
        for line in EFA_INSTALLED.read_text().splitlines():
            if "EFA installer version" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def host_facts(instance_type: Optional[str] = None, sysfs_root: Path = sysfs.SYSFS,
               dev_root: Path = sysfs.DEV, device: str = "cuda") -> dict[str, Any]:
    devices = sysfs.rdma_devices(sysfs_root)
    facts: dict[str, Any] = {
        "host": socket.gethostname(),
        "instance": detect(instance_type),
        "gpus": gpus(use_torch=device == "cuda"),
        "rdma_devices": [d.name for d in devices],
        "rdma_counts": sysfs.counts(devices),
        "uverbs": sysfs.uverbs_count(dev_root),
        "aws_ofi_nccl": aws_ofi_nccl(),
        "efa_installer": efa_installer(),
        "env": {k: v for k, v in os.environ.items() if k.startswith(DRIFT_ENV)},
        # error counters are cumulative since the NIC came up: any non-zero one is worth a look
        "nic_errors": {nic: errs for nic, c in counters.snapshot().items() if (errs := counters.errors(c))},
    }
    fi = _run(["fi_info", "-p", "efa"])
    facts["fi_info"] = tools.efa_summary(tools.parse_fi_info(fi)) if fi is not None else None
    version = _run(["fi_info", "--version"])
    facts["libfabric"] = tools.parse_fi_version(version) if version else None
    topo = _run(["nvidia-smi", "topo", "-m"])
    facts["topology"] = tools.parse_topo(topo) if topo else None
    return facts
