"""This host's network interfaces: which address a rendezvous or gloo should bind to."""

from __future__ import annotations

import fcntl
import socket
import struct


def ipv4_interfaces() -> list[tuple[str, str]]:
    """(interface, address) of this host's non-loopback IPv4 addresses (Linux SIOCGIFADDR)."""
    out = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
            except OSError:
                continue
            addr = socket.inet_ntoa(packed[20:24])
            if not addr.startswith("127."):
                out.append((name, addr))
    return out
