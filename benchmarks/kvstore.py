"""A tiny key-value store over TCP, hosted by rank 0: the side channel of MPI-only runs.

The hang watchdog needs a channel that works while a rank is stuck inside MPI, so arrivals go
through a server thread on rank 0. torch's TCPStore does this for runs that use torch (it is also
their rendezvous); MPI-only runs use this store instead, so they never import torch. Same
``set``/``get`` interface; ``get`` of a key that was never set raises KeyError at once.

Protocol: one JSON object per line, ``{"op": "set"|"get", "key": k, "value": v}`` -> ``{"value": v}``
or ``{"missing": true}``. Loopback or the cluster network only; nothing secret passes through it.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from typing import Any, Optional


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        data: dict[str, str] = self.server.data  # type: ignore[attr-defined]
        lock: threading.Lock = self.server.lock  # type: ignore[attr-defined]
        for line in self.rfile:
            try:
                req = json.loads(line)
                key = str(req["key"])
            except (ValueError, KeyError, TypeError):
                return
            with lock:
                if req.get("op") == "set":
                    data[key] = str(req.get("value", ""))
                    reply: dict[str, Any] = {"value": data[key]}
                else:
                    reply = {"value": data[key]} if key in data else {"missing": True}
            self.wfile.write((json.dumps(reply) + "\n").encode())
            self.wfile.flush()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class KVServer:
    """The server, on a daemon thread of rank 0."""

    def __init__(self, host: str) -> None:
        self._server = _Server((host, 0), _Handler)
        self._server.data = {}  # type: ignore[attr-defined]
        self._server.lock = threading.Lock()  # type: ignore[attr-defined]
        self.address = (host, self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="fabricbench-kv", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class KVClient:
    """One connection to the server (not shared between threads: make one per thread)."""

    def __init__(self, host: str, port: int, timeout_s: float = 30.0) -> None:
        self._sock = socket.create_connection((host, port), timeout=timeout_s)
        self._file = self._sock.makefile("rwb")

    def _call(self, req: dict[str, Any]) -> dict[str, Any]:
        self._file.write((json.dumps(req) + "\n").encode())
        self._file.flush()
        line = self._file.readline()
        if not line:
            raise ConnectionError("the rendezvous store closed the connection")
        return json.loads(line)

    def set(self, key: str, value: str | bytes) -> None:
        text = value.decode() if isinstance(value, bytes) else str(value)
        self._call({"op": "set", "key": key, "value": text})

    def get(self, key: str) -> bytes:
        reply = self._call({"op": "get", "key": key})
        if reply.get("missing"):
            raise KeyError(key)
        return str(reply["value"]).encode()

    def close(self) -> None:
        try:
            self._file.close()
            self._sock.close()
        except OSError:
            pass


def serve(host: str) -> tuple[Optional[KVServer], tuple[str, int]]:
    server = KVServer(host)
    return server, server.address
