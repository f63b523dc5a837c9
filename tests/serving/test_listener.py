"""``platsa serve``: a listening socket whose connections get TCP_NODELAY, and worker settings.

Without TCP_NODELAY each keep-alive response waits for the client's delayed ACK (~40 ms on Linux),
which is what multi-worker uvicorn did (uvicorn issue #3149).
"""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from platsa.cli.serve import several_workers_environment, tcp_listener


def _accepted_nodelay(listener: socket.socket) -> int:
    """TCP_NODELAY of the server side of one connection accepted by asyncio on ``listener``."""
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def run() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        host, port = listener.getsockname()[:2]
        _, writer = await asyncio.open_connection(host, port)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()

    asyncio.run(run())
    return seen[0]


def test_listener_is_tcp_and_connections_get_nodelay() -> None:
    config = uvicorn.Config("serving.app:create_app", factory=True, host="127.0.0.1", port=0)
    listener = tcp_listener(config)
    assert listener.proto == socket.IPPROTO_TCP
    assert _accepted_nodelay(listener) != 0


def test_several_workers_sync_with_the_store_unless_told_otherwise() -> None:
    assert several_workers_environment(1, None) == {}
    assert several_workers_environment(2, None) == {"PLATSA_INDEX_REFRESH_SECONDS": "60"}
    assert several_workers_environment(2, 5.0) == {}  # the user's own value stays
    assert several_workers_environment(2, 0.0) == {}  # including "never"
