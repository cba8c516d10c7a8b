import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address
    that the outermost of them saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the
    entries a client cannot write are the last TRUSTED_PROXY_COUNT ones; whatever comes before
    them is the client's own claim and is never read.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < count:
        return remote  # the request did not come through every proxy
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote
