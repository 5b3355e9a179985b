"""Where a request comes from, and whether an admin may log in from there."""

import ipaddress
from collections.abc import Iterable

from django.http import HttpRequest


def client_address(request: HttpRequest | None) -> str | None:
    """The peer address of the request (REMOTE_ADDR); a proxy in front must set it right."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request: HttpRequest | None) -> str | None:
    return request.META.get("HTTP_USER_AGENT") if request is not None else None


def address_allowed(address: str | None, whitelist: Iterable[str] | None) -> bool:
    """True when the whitelist is empty or one of its addresses or CIDR ranges holds ``address``."""
    entries = [entry.strip() for entry in whitelist or [] if entry.strip()]
    if not entries:
        return True
    if address is None:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in entries:
        try:
            if client in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # A malformed entry allows nothing.
    return False
