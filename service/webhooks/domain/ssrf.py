"""Where outbound webhooks may go: the URL rules, literal IP forms, and the address policy (SSRF guard)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL_LENGTH = 2048
_HEX = re.compile(r"^0[xX][0-9a-fA-F]+$")
_OCTAL = re.compile(r"^0[0-7]*$")
_DECIMAL = re.compile(r"^[1-9][0-9]*$")

# Checked in order; the first match names the reason. Anything else that is not globally routable is
# refused as well (see address_refusal), so this list is for clear reasons, not for completeness.
REFUSED_NETWORKS: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(net), reason) for net, reason in (
        ("0.0.0.0/8", "an unspecified address"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "a carrier-grade NAT address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "a reserved address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a reserved address"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("::ffff:0:0/96", "an IPv4-mapped address"),
        ("::/96", "an IPv4-compatible address"),
        ("64:ff9b::/96", "a NAT64 address"),
        ("64:ff9b:1::/48", "a NAT64 address"),
        ("2001::/32", "a Teredo address"),
        ("2002::/16", "a 6to4 address"),
        ("fc00::/7", "a unique-local address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
    ))


class DestinationRefused(ValueError):
    """A webhook URL or address the policy refuses; the text says why (safe to show the integrator)."""


@dataclass(frozen=True, slots=True)
class Destination:
    url: URL
    host: str            # normalised: lower case, no trailing dot, IPv6 without brackets
    allow_listed: bool
    address: IPAddress | None  # when the URL names an IP literal


def normalise_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def is_allow_listed(host: str, allowed_hosts: Iterable[str]) -> bool:
    """Exact host match only: no wildcards, and an IP is allowed only in the form it is listed in."""
    name = normalise_host(host)
    return bool(name) and name in {normalise_host(h) for h in allowed_hosts}


def _inet_aton_part(part: str) -> int | None:
    """One part of a legacy numeric address as C's inet_aton reads it: 0x.. hex, 0.. octal, else decimal."""
    if _HEX.match(part):
        return int(part[2:], 16)
    if _OCTAL.match(part):
        return int(part, 8)
    if _DECIMAL.match(part):
        return int(part, 10)
    return None


def parse_ip_literal(host: str) -> tuple[IPAddress, bool] | None:
    """(address, canonical) when the host is an IP literal in any form a resolver accepts, else None.

    Besides dotted quads and IPv6 this normalises the legacy inet_aton forms (decimal `2130706433`,
    hex `0x7f000001`, octal `0177.0.0.1`, short `127.1`) that C libraries still map onto addresses.
    """
    name = normalise_host(host)
    try:
        address = ipaddress.ip_address(name)
        return address, True
    except ValueError:
        pass
    parts = name.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = [_inet_aton_part(p) for p in parts]
    if any(v is None for v in values):
        return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):  # type: ignore[operator]
        return None
    number = 0
    for value in head:
        number = number * 256 + value  # type: ignore[operator]
    number = number * 256 ** (4 - len(head)) + last  # type: ignore[operator]
    return ipaddress.IPv4Address(number), False


def address_refusal(address: IPAddress) -> str | None:
    """Why a webhook may not connect to this address, or None when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
    for network, reason in REFUSED_NETWORKS:
        if address.version == network.version and address in network:
            return reason
    if not address.is_global:
        return "a reserved address"
    return None


def check_url(raw: str, allowed_hosts: Iterable[str]) -> Destination:
    """The destination a webhook URL names, or DestinationRefused with the reason.

    Host names are only checked here for shape; their addresses are checked when connecting (a name
    can resolve differently later). IP literals are checked now, in every spelling.
    """
    if len(raw) > MAX_URL_LENGTH:
        raise DestinationRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    # Only a URL already in canonical form is compared with WEBHOOK_ALLOWED_HOSTS: a parser would turn
    # full-width digits, ideographic full stops or stray whitespace into an allow-listed host.
    if not raw.isascii() or any(c <= " " or c == "\x7f" for c in raw):
        raise DestinationRefused("the URL must be plain ASCII without spaces or control characters (an "
                                 "international host name in its xn-- form)")
    try:
        url = URL(raw)
    except (ValueError, TypeError):
        raise DestinationRefused("the URL cannot be parsed") from None
    if not url.is_absolute() or not url.raw_host:
        raise DestinationRefused("the URL needs a scheme and a host, like https://hr.example.nhs.uk/hooks")
    if url.scheme not in ("https", "http"):
        raise DestinationRefused("the URL must use https")
    if url.raw_user is not None or url.raw_password is not None:
        raise DestinationRefused("the URL must not contain a user name or password")
    if url.raw_fragment:
        raise DestinationRefused("the URL must not contain a fragment (#...)")
    if url.raw_host.endswith("."):
        raise DestinationRefused("the URL's host must not end in a dot")
    host = normalise_host(url.raw_host)
    if not host or any(c in host for c in "\\/?#@%"):
        raise DestinationRefused("the URL's host is not valid")
    allowed = is_allow_listed(host, allowed_hosts)
    literal = parse_ip_literal(host)
    if literal is None and (":" in host or host.replace(".", "").isdigit()):
        raise DestinationRefused("the URL's host is not a valid IP address")
    if literal is not None and not allowed:
        reason = address_refusal(literal[0])
        if reason:
            raise DestinationRefused(f"the URL's host {literal[0]} is {reason}")
    if url.scheme == "http" and not allowed:
        raise DestinationRefused("the URL must use https (plain http only for hosts in WEBHOOK_ALLOWED_HOSTS)")
    if literal is None:
        return Destination(url, host, allowed, None)
    address, canonical = literal
    if not canonical:
        raise DestinationRefused(f"write the IP address in standard form ({address}), not {host}")
    return Destination(url, host, allowed, address)


def filter_addresses(host: str, addresses: Iterable[str], allowed_hosts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split resolved addresses into those a connection may use and the reasons the others may not."""
    if is_allow_listed(host, allowed_hosts):
        return list(addresses), []
    kept: list[str] = []
    refused: list[str] = []
    for text in addresses:
        try:
            reason = address_refusal(ipaddress.ip_address(text))
        except ValueError:
            reason = "not an IP address"
        if reason is None:
            kept.append(text)
        else:
            refused.append(f"{text} is {reason}")
    return kept, refused
