"""Where the crawler may connect: public internet addresses only, unless allowed by the user.

Every page Copydesk reads is untrusted, and so is every URL in it: a link, a redirect, a meta
refresh or a source link may name a loopback, private or cloud-metadata address. Plain
functions here decide on a URL's host as the operating system would read it (inet_aton
accepts "127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1") and on the addresses a name
resolves to; crawler.middlewares applies them to every request and every connection.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = frozenset({"http", "https"})
# A host name as it reaches us (Scrapy writes international names in their xn-- form).
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")


class EgressRefused(Exception):
    """A request or connection the egress policy refuses; `reason` is a short stats key."""

    def __init__(self, reason: str, target: str) -> None:
        super().__init__(f"refused by the egress policy ({reason}): {target}")
        self.reason = reason
        self.target = target


def literal_address(host: str) -> IPAddress | None:
    """The IP address a host string stands for when it is an address in any spelling the
    system resolver accepts (dotted, shortened, decimal, octal, hex, IPv6, IPv4-mapped IPv6);
    None for a name."""
    host = host.strip().rstrip(".").strip("[]")
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if ":" in host or not all(c.isalnum() or c == "." for c in host):
            return None
        try:  # what getaddrinfo would do with "127.1" or "0x7f000001"
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_public_address(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses (no loopback, private, link-local
    and cloud-metadata 169.254.169.254, shared, multicast, reserved or unspecified)."""
    return address.is_global and not (address.is_multicast or address.is_reserved
                                      or address.is_unspecified)


def _local_name(host: str) -> bool:
    host = host.rstrip(".")
    return host == "localhost" or host.endswith(".localhost")


@dataclass(frozen=True)
class AllowRule:
    """One EGRESS_ALLOW entry: a host name, an address or network, optionally with a port."""

    host: str | None = None
    network: Network | None = None
    port: int | None = None

    @classmethod
    def parse(cls, entry: str) -> AllowRule:
        text = entry.strip().lower()
        port: int | None = None
        head, sep, tail = text.rpartition(":")
        if sep and tail.isdigit() and "]" not in tail and (head.count(":") == 0 or head.endswith("]")):
            text, port = head, int(tail)
            if not 0 < port < 65536:
                raise ValueError(f"bad EGRESS_ALLOW entry {entry!r}: port out of range")
        text = text.strip("[]")
        if not text:
            raise ValueError(f"bad EGRESS_ALLOW entry {entry!r}: no host")
        try:
            return cls(network=ipaddress.ip_network(text, strict=False), port=port)
        except ValueError:
            pass
        if not all(c.isalnum() or c in ".-_*" for c in text):
            raise ValueError(f"bad EGRESS_ALLOW entry {entry!r}: not a host name, address or network")
        return cls(host=text.rstrip("."), port=port)

    def matches(self, host: str, address: IPAddress | None, port: int | None) -> bool:
        """`port` None: any port (at connection time the URL's port was checked already)."""
        if self.port is not None and port is not None and port != self.port:
            return False
        if self.network is not None:
            return address is not None and address in self.network
        assert self.host is not None
        name = host.rstrip(".").lower()
        if self.host.startswith("*."):
            return name.endswith(self.host[1:])
        return name == self.host


class EgressPolicy:
    """http(s) to public addresses only; `allow` lists the exceptions a user chose (an
    intranet, a local test server): host names, addresses or networks, each with an
    optional port ("intranet.example", "10.1.0.0/16", "127.0.0.1:8080")."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.rules = tuple(AllowRule.parse(entry) for entry in allow if entry.strip())

    def check_url(self, url: str) -> None:
        """Raise EgressRefused unless `url` may be requested, judged by its text alone
        (names are judged again on the addresses they resolve to, at connection time)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise EgressRefused("bad_url", url) from None
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            raise EgressRefused("scheme", url)
        host = (parts.hostname or "").lower()
        if not host:
            raise EgressRefused("bad_url", url)
        if parts.username is not None or parts.password is not None:
            # No article link carries credentials; "http://127.0.0.1:80@x/" style URLs
            # exist to make two URL parsers disagree on the host.
            raise EgressRefused("userinfo", url)
        if port is None:
            port = 443 if parts.scheme.lower() == "https" else 80
        address = literal_address(host)
        if address is None and not _HOST_NAME.fullmatch(host):
            # "%31%32%37.0.0.1" is 127.0.0.1 to a parser that decodes it (browsers do).
            raise EgressRefused("bad_host", url)
        if self._allowed(host, address, port):
            return
        if address is not None and not is_public_address(address):
            raise EgressRefused("private_address", url)
        if _local_name(host):
            raise EgressRefused("local_name", url)
        if any(rule.port is not None for rule in self.rules) and self._allowed(host, address, None):
            raise EgressRefused("port", url)  # an allowed name, on a port not allowed

    def check_resolved(self, name: str, address_text: str) -> None:
        """Raise EgressRefused when `name` resolved to an address the policy refuses.

        The port is not known here: an address rule with a port ("127.0.0.1:8080") allows
        only URLs that spell that address and port, never a name resolving to the address;
        a name rule's port was checked on the URL already."""
        address = literal_address(address_text)
        if address is None or is_public_address(address) or literal_address(name) is not None:
            return  # an address spelled in the URL was judged, with its port, by check_url
        if any(rule.matches(name, address, None) and (rule.port is None or rule.host is not None)
               for rule in self.rules):
            return
        raise EgressRefused("resolves_private", f"{name} -> {address_text}")

    def check_url_and_addresses(self, url: str) -> None:
        """check_url, then check_resolved on every address the host name resolves to now
        (for a client that resolves names itself; the crawl checks at connection time)."""
        self.check_url(url)
        host = urlsplit(url).hostname or ""
        if literal_address(host) is not None:
            return
        try:
            addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
        except OSError:
            return  # an unknown name: the request fails on its own
        for address in addresses:
            self.check_resolved(host, address)

    def _allowed(self, host: str, address: IPAddress | None, port: int | None) -> bool:
        return any(rule.matches(host, address, port) for rule in self.rules)
