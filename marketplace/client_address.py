"""The real client address, trusted from X-Forwarded-For only when a trusted proxy sent it.

Every limit in Walkup (login lock-out, sign-up and reset limits, DRF) keys on REMOTE_ADDR; this
middleware makes REMOTE_ADDR the client's own address, so one rule holds everywhere. With no
TRUSTED_PROXIES (the default) the header is ignored: a client cannot choose its own identity.
"""

import ipaddress
from functools import cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def _is_trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(remote_addr: str, forwarded_for: str, proxies: tuple[str, ...]) -> str:
    """The right-most address of the chain that is not a trusted proxy.

    Proxies append the address they received from, so only the part of X-Forwarded-For written
    by our own proxies is true; anything to the left of it is whatever the client claimed.
    """
    networks = _trusted_networks(proxies)
    if not networks or not _is_trusted(_parse(remote_addr), networks):
        return remote_addr
    for hop in reversed(forwarded_for.split(",")):
        address = _parse(hop)
        if address is None:
            break  # a forged or broken entry: stop at the last proxy we trust
        if not _is_trusted(address, networks):
            return str(address)
        remote_addr = str(address)
    return remote_addr


class ClientAddressMiddleware:
    """Sets REMOTE_ADDR to the real client address (keeping the peer's as PEER_ADDR)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        peer = request.META.get("REMOTE_ADDR", "")
        request.META["PEER_ADDR"] = peer
        request.META["REMOTE_ADDR"] = client_address(
            peer, request.META.get("HTTP_X_FORWARDED_FOR", ""), tuple(settings.TRUSTED_PROXIES)
        )
        return self.get_response(request)


def is_trusted_proxy(peer: str) -> bool:
    """Whether the peer is one of our proxies, whose headers (request id, client) we believe."""
    return _is_trusted(_parse(peer), _trusted_networks(tuple(settings.TRUSTED_PROXIES)))
