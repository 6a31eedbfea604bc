"""What RDMA port counters mean: which carry a NIC's traffic and which count faults (pure; the
snapshots are read by benchmarks/preflight/counters.py)."""

from __future__ import annotations

Snapshot = dict[str, dict[str, int]]  # "dev:port" -> counter -> value

# Counters that carry a NIC's traffic, in bytes once scaled (IB's *_data count 4-byte words).
BYTES = {"port_xmit_data": 4, "port_rcv_data": 4, "tx_bytes": 1, "rx_bytes": 1, "send_bytes": 1, "recv_bytes": 1,
         "rdma_read_bytes": 1, "rdma_write_bytes": 1, "rdma_read_resp_bytes": 1, "rdma_write_recv_bytes": 1}
# Counters whose growth is a fault: link and packet errors, drops, retransmissions, unresponsive peers.
ERRORS = ("symbol_error", "link_error_recovery", "link_downed", "port_rcv_errors", "port_rcv_remote_physical_errors",
          "port_rcv_switch_relay_errors", "port_xmit_discards", "port_xmit_constraint_errors",
          "port_rcv_constraint_errors", "local_link_integrity_errors", "excessive_buffer_overrun_errors",
          "VL15_dropped", "rx_drops", "retrans_pkts", "retrans_bytes", "retrans_timeout_events",
          "unresponsive_remote_events", "impaired_remote_conn_events", "rdma_read_wr_err", "rdma_write_wr_err",
          "out_of_sequence", "packet_seq_err", "local_ack_timeout_err", "rnr_nak_retry_err", "implied_nak_seq_err",
          "duplicate_request", "rx_icrc_encapsulated")



def delta(before: Snapshot, after: Snapshot) -> Snapshot:
    """Per NIC present in both: the counters that changed (wrapped or reset counters are left out)."""
    out: Snapshot = {}
    for nic, now in after.items():
        then = before.get(nic)
        if then is None:
            continue
        out[nic] = {k: v - then[k] for k, v in now.items() if k in then and v > then[k]}
    return out


def moved_bytes(counters: dict[str, int]) -> int:
    return sum(v * BYTES[k] for k, v in counters.items() if k in BYTES)


def errors(counters: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counters.items() if k in ERRORS and v > 0}
