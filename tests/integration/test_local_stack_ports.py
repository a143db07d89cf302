"""The local stack holds the ports it was asked for from its first moment, and a taken port
stops it before anything else starts (CI once lost a restart to an ephemeral client port)."""
from __future__ import annotations

import socket

import pytest

from infra.local.stack import LocalStack, StackError
from tests.ports import port_is_free


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


@pytest.mark.parametrize("taken, variable", [("api_port", "PORT"), ("console_port", "CONSOLE_PORT")])
def test_a_taken_port_fails_fast_before_moto_starts(tmp_path, monkeypatch, taken, variable):
    started = []
    monkeypatch.setattr(LocalStack, "_start_moto", lambda self: started.append("moto"))
    with listening_socket() as occupied:
        ports = {"api_port": 0, "console_port": 0, taken: occupied.getsockname()[1]}
        stack = LocalStack(state_dir=tmp_path, environ={}, out=lambda line: None, **ports)
        with pytest.raises(StackError, match=f"set {variable} to another port"):
            stack.start()
    assert started == [], "moto was started before the taken port was noticed"


def test_asked_for_ports_are_held_until_their_servers_bind_and_freed_on_stop(tmp_path):
    with listening_socket() as a, listening_socket() as b:
        api_port, console_port = a.getsockname()[1], b.getsockname()[1]
    stack = LocalStack(api_port=api_port, console_port=console_port, state_dir=tmp_path, environ={},
                       out=lambda line: None)
    stack._reserve_ports()
    assert not port_is_free(api_port) and not port_is_free(console_port)
    stack.stop()
    assert port_is_free(api_port) and port_is_free(console_port)
