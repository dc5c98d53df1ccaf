"""What the attack tests share: forged credentials and where a process listens."""

from __future__ import annotations

import socket
import struct
from pathlib import Path
from typing import Dict, List

from contract import rasa_api


def jwt_headers(secret: str, username: str = "attacker", role: str = rasa_api.ADMIN_ROLE, ttl_s: int = 300) -> Dict:
    """An Authorization header with a JWT signed by `secret` (a wrong one, or expired with ttl_s < 0)."""
    return rasa_api.auth_headers(secret, username, role=role, ttl_s=ttl_s)


def listening_addresses(port: int) -> List[str]:
    """The local addresses with a socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found = []
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if int(port_hex, 16) != port or fields[3] != "0A":  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            if family == socket.AF_INET:
                found.append(socket.inet_ntop(family, raw[::-1]))
            else:
                words = struct.unpack("<4I", raw)
                found.append(socket.inet_ntop(family, struct.pack(">4I", *words)))
    return found


def only_loopback(port: int) -> bool:
    addresses = listening_addresses(port)
    return bool(addresses) and all(a in ("127.0.0.1", "::1") for a in addresses)
