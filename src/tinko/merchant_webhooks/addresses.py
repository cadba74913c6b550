"""Where a webhook may be sent: no private, loopback, link-local or other non-public address
outside dev and test (SSRF). Checked when an endpoint is registered, and again on every send,
against the addresses the name resolves to then (a name can be re-pointed after registration).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class AddressRefused(ValueError):
    """The URL may not be called; the message says why."""


def check_url(url: str, *, allow_private: bool) -> tuple[str, int]:
    """The URL's host and port, if it may be called now."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise AddressRefused("must not carry a user name or password")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if allow_private:
        return parts.hostname, port
    if parts.scheme != "https":
        raise AddressRefused("must use https://")
    for address in resolve(parts.hostname, port):
        if not _public(address):
            raise AddressRefused(f"resolves to a non-public address ({address})")
    return parts.hostname, port


def resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(f"the host name {host!r} does not resolve") from None
    return sorted({str(info[4][0]) for info in found})


def _public(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast
