"""What the test and benchmark socket.io clients share."""

from __future__ import annotations

import contextlib

import socketio


def close_without_waiting(client: socketio.Client) -> None:
    """Says goodbye to the server without waiting for the pending long-poll: python-socketio's
    ``disconnect()`` joins the polling read loop, which returns only when the server answers
    the open GET (up to its ping interval, 25 s by default) — per client."""
    with contextlib.suppress(Exception):
        for namespace in client.namespaces:
            client._send_packet(client.packet_class(socketio.packet.DISCONNECT, namespace=namespace))
        client.eio.disconnect(abort=True)
