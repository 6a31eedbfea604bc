"""NVIDIA nccl-tests (and AMD rccl-tests): parse their text and -J JSON output, drive the binaries.

Parsed logs become the same records as fabricbench's own runs (benchmarks.model), so reports
and the gate treat both alike. Format history and pitfalls: shared/docs/nccl-tests.md.
"""
