"""Logs of the MPI benchmarks GPU-cluster and HPC users run beside nccl-tests: OSU Micro-Benchmarks
(C and OMB-Py) and Intel MPI Benchmarks, read into the same ParsedLog records as nccl-tests logs."""
