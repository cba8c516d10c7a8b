from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client as the web server saw it (a proxy in front must set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None
