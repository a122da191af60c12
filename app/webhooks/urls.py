"""Where a webhook may point: https (http only when allowed), a host that resolves, and never to a
loopback, private, link-local, multicast or otherwise reserved address, nor to an IPv6 address that
carries one (IPv4-mapped, 6to4, Teredo, NAT64), unless private networks are allowed (server-side
request forgery). Checked on create and update, and again before each delivery."""

import ipaddress
import socket
import urllib.parse

from flask import current_app

from app.errors import ValidationFailed


def _refuse(reason: str):
    return ValidationFailed(f"The webhook URL is refused: {reason}", {"url": [reason]})


# NAT64's well-known prefix (RFC 6052): a gateway forwards 64:ff9b::a.b.c.d to a.b.c.d.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a 6to4, Teredo (server and client) or NAT64 address carries: a relay or
    gateway may forward to them, so they are judged as if given themselves."""
    embedded = [ip.sixtofour] if ip.sixtofour is not None else []
    if ip.teredo is not None:
        embedded.extend(ip.teredo)
    if ip in NAT64:
        embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return embedded


def _forbidden(address: str) -> bool:
    """Whether a resolved address, or an IPv4 address it carries, is one a webhook must not reach."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _forbidden_ip(ip.ipv4_mapped)
        if any(_forbidden_ip(embedded) for embedded in _embedded_ipv4(ip)):
            return True
    return _forbidden_ip(ip)


def _forbidden_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)


def port_of(parts: urllib.parse.SplitResult) -> int:
    """The port a URL's parts name, else its scheme's."""
    return parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)


def check_url(url: str) -> list[str]:
    """The addresses the URL's host resolves to, all of them allowed; else raise ValidationFailed
    naming `url`. A delivery connects to one of these, not to a second resolution (which a DNS
    server could answer differently: rebinding)."""
    if any(character.isspace() or not character.isprintable() for character in url):
        # urlsplit would drop a tab or line break silently: the URL posted to would not be this one.
        raise _refuse("must not contain whitespace or control characters (encode a space as %20)")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse("not a valid URL") from None
    if port == 0:
        raise _refuse("port 0 is no port to connect to")
    allowed = ("https", "http") if current_app.config["WEBHOOK_ALLOW_HTTP"] else ("https",)
    if parts.scheme not in allowed:
        raise _refuse("must be an https:// URL" if "http" not in allowed else "must be an http(s):// URL")
    if not parts.hostname:
        raise _refuse("has no host")
    if parts.username is not None or parts.password is not None:
        raise _refuse("must not carry credentials")
    try:
        infos = socket.getaddrinfo(parts.hostname, port_of(parts),
                                   proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        raise _refuse(f"host {parts.hostname} does not resolve") from None
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"]:
        if any(_forbidden(info[4][0]) for info in infos):
            raise _refuse(f"host {parts.hostname} resolves to a loopback, private, link-local or multicast address")
    return list(dict.fromkeys(info[4][0] for info in infos))
