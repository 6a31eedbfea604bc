"""`preflight`: check GPUs, RDMA devices, libfabric/plugin and topology on every host of the job."""

from __future__ import annotations

import argparse
import json
from typing import Any

from fabricbench.benchmarks.model.enums import Verdict
from fabricbench.benchmarks.model.exitcodes import PreflightExit
from fabricbench.benchmarks.model.typed import to_dict


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="what the benchmark will use (default cpu, as for run; cuda checks the GPU path)")
    p.add_argument("--instance-type", help="instance type when it cannot be detected")
    p.add_argument("--nccl-log", help="an NCCL_DEBUG=INFO log (or nccl-tests output) to judge the transport from")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format")


def main(args: Any) -> int:
    from fabricbench.benchmarks.launcher import bootstrap
    from fabricbench.benchmarks.nccltests.ncclinfo import parse_info
    from fabricbench.benchmarks.preflight.run import preflight

    info = None
    if args.nccl_log:
        from fabricbench.benchmarks.nccltests.ingest import read_log

        info = read_log(args.nccl_log)[1] if args.nccl_log else None
    topo = bootstrap()
    result = preflight(topo, args.device, args.instance_type, info or parse_info([]))
    if topo.rank == 0:
        if args.format == "json":
            print(json.dumps(to_dict(result), indent=1, default=str))
        else:
            for h in result.hosts:
                print(f"{h.host:<24} {h.instance_type or 'unknown':<20} gpus={h.gpus or 0} "
                      f"model={h.gpu_model or '-'} rdma={h.rdma or '{}'} ofi={h.aws_ofi_nccl or '-'} "
                      f"libfabric={h.libfabric or '-'}  {h.verdict}")
            print(f"preflight: {result.verdict}")
            for reason in result.reasons:
                print(f"  {reason}")
    return PreflightExit.INVALID_ENV if result.verdict is Verdict.INVALID else PreflightExit.OK
