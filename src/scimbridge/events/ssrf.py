"""Which addresses a webhook may be delivered to (RELIABILITY.md §5).

Our own table, modelled on Svix's ``is_allowed`` list, rather than ``ipaddress``'s
``is_private``/``is_global``: CPython's tables have been wrong before (CVE-2024-4032) and
still differ from what a webhook sender must refuse (100.64/10 is neither private nor
global there). IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry, the
most common bypass of hand-written guards.
"""

from __future__ import annotations

import ipaddress
from typing import Final

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

BLOCKED_NETWORKS: Final[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        # IPv4
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (CGNAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata endpoints
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation TEST-NET-1
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation TEST-NET-2
        "203.0.113.0/24",  # documentation TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and 255.255.255.255 broadcast
        # IPv6
        "::/128",  # unspecified
        "::1/128",  # loopback
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "ff00::/8",  # multicast
    )
)


def canonical(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped IPv6 address, else the address itself."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_blocked(address: IPAddress) -> bool:
    address = canonical(address)
    return any(address.version == net.version and address in net for net in BLOCKED_NETWORKS)


def is_allowed(text: str, *, allow_private: bool) -> bool:
    """May a connection go to the IP address ``text``? (Unparsable text never may.)"""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return allow_private or not is_blocked(address)


def refused(addresses: list[str], *, allow_private: bool) -> list[str]:
    """The addresses of a host's answer that a connection may not go to.

    A host is usable only if this is empty: one private answer among public ones is
    enough for a client that picks the address (or a rebinding DNS server) to reach it.
    """
    return [a for a in addresses if not is_allowed(a, allow_private=allow_private)]
