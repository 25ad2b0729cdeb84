"""The client's address, as throttling and the audit log see it.

Behind a reverse proxy every connection comes from the proxy, so sign-up and sign-in
throttling (registry/auth/throttle.py) would count every client as one. The proxy names the
client in ``X-Forwarded-For``, but so can anyone: the header is read only when the
connection comes from a network in ``REGISTRY_TRUSTED_PROXIES`` (none by default), and then
right to left, skipping trusted hops, so that the first address a trusted proxy did not
vouch for is the client (whatever a client writes in the header itself stays to the left
of it). uvicorn's own reading of the header is off (registry/serve.py), so this setting
alone decides.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

from litestar import Request

from registry.settings import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_HOPS = 32  # a longer chain is not one a trusted proxy wrote


def _address(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("["):  # [2001:db8::1]:443
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: Sequence[Network]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def resolve(peer: str | None, forwarded_for: Iterable[str],
            trusted: Sequence[Network]) -> str | None:
    """The client address for a connection from ``peer`` carrying these
    ``X-Forwarded-For`` header values."""
    if peer is None or not trusted:
        return peer
    current = _address(peer)
    if current is None or not _trusted(current, trusted):
        return peer
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops[-MAX_HOPS:]):
        address = _address(hop)
        if address is None:  # not an address: the last trusted hop is all we know
            break
        current = address
        if not _trusted(address, trusted):
            break
    return str(current)


def client_address(request: Request[Any, Any, Any]) -> str | None:
    peer = request.client.host if request.client else None
    settings = getattr(request.app.state, "settings", None)
    trusted: Sequence[Network] = getattr(settings, "trusted_proxies", ())
    if not trusted:
        return peer
    return resolve(peer, request.headers.getall("x-forwarded-for", []), trusted)
