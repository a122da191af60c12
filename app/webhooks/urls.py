"""Where a webhook may point: https (http only when allowed), a host that resolves, and never to a
loopback, private, link-local, multicast or otherwise reserved address unless private networks are
allowed (server-side request forgery). Checked on create and update, and again before each delivery."""

import ipaddress
import socket
import urllib.parse

from flask import current_app

from app.errors import ValidationFailed


def _refuse(reason: str):
    return ValidationFailed(f"The webhook URL is refused: {reason}", {"url": [reason]})


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)


def check_url(url: str) -> list[str]:
    """The addresses the URL's host resolves to, all of them allowed; else raise ValidationFailed
    naming `url`. A delivery connects to one of these, not to a second resolution (which a DNS
    server could answer differently: rebinding)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse("not a valid URL") from None
    allowed = ("https", "http") if current_app.config["WEBHOOK_ALLOW_HTTP"] else ("https",)
    if parts.scheme not in allowed:
        raise _refuse("must be an https:// URL" if "http" not in allowed else "must be an http(s):// URL")
    if not parts.hostname:
        raise _refuse("has no host")
    if parts.username is not None or parts.password is not None:
        raise _refuse("must not carry credentials")
    try:
        infos = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        raise _refuse(f"host {parts.hostname} does not resolve") from None
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"]:
        if any(_forbidden(info[4][0]) for info in infos):
            raise _refuse(f"host {parts.hostname} resolves to a loopback, private, link-local or multicast address")
    return list(dict.fromkeys(info[4][0] for info in infos))
