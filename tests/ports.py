"""Port probes for the tests of the local stack."""
from __future__ import annotations

import socket


def port_is_free(port: int) -> bool:
    """Could a server bind ``port`` on loopback now (as http.server does, with SO_REUSEADDR)?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
