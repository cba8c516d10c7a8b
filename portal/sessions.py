"""Sessions as the person sees them: each login's session is listed under its person (allauth's
user sessions), with its browser, address and last request, and ends after SESSION_IDLE_SECONDS
without a request.

The time of the last request is kept in the session to the minute, so that reading pages writes
the session (and its listing) at most once a minute rather than at every request.
"""

import time
from datetime import timedelta
from typing import Any

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.http import client_ip

LAST_SEEN = "last_seen"
# How stale the time of the last request may get before it is written again: a session may end
# up to this much before SESSION_IDLE_SECONDS.
PRECISION_SECONDS = 60
# A login made without a client's request (the test client's force_login) has no address.
# Recorded as the session's address, never bound to.
NO_ADDRESS = "0.0.0.0"  # noqa: S104  # nosec B104


def started(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Every login, whichever its way (Django's `user_logged_in`): its session is listed and its
    idle clock starts."""
    request.session[LAST_SEEN] = int(time.time())
    if not request.session.session_key:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip": client_ip(request) or NO_ADDRESS,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
            "last_seen_at": timezone.now(),
        },
    )


def is_idle(request: HttpRequest) -> bool:
    seen = request.session.get(LAST_SEEN)
    return seen is not None and time.time() - seen > settings.SESSION_IDLE_SECONDS


def seen_now(request: HttpRequest) -> None:
    """Restarts the idle clock, writing only when the last write is older than PRECISION_SECONDS."""
    seen = request.session.get(LAST_SEEN)
    if seen is None:
        # A session that no login listed (made before sessions were listed): listed from now on.
        started(None, request, request.user)
        return
    now = int(time.time())
    if now - seen < PRECISION_SECONDS:
        return
    request.session[LAST_SEEN] = now
    UserSession.objects.filter(session_key=request.session.session_key).update(
        last_seen_at=timezone.now(), ip=client_ip(request) or NO_ADDRESS
    )


def rekeyed(request: HttpRequest, old_key: str) -> None:
    """The session got a new key (a password set or changed): its listing follows it."""
    new_key = request.session.session_key
    with transaction.atomic():
        old = UserSession.objects.filter(session_key=old_key, user_id=request.user.pk)
        if UserSession.objects.filter(session_key=new_key).exists():
            old.delete()
        else:
            old.update(session_key=new_key)


def forget(session_key: str | None) -> None:
    UserSession.objects.filter(session_key=session_key).delete()


def clear_ended() -> None:
    """Sessions past their expiry or idle for longer than SESSION_IDLE_SECONDS, and the listings of
    sessions that are gone."""
    idle_since = timezone.now() - timedelta(seconds=settings.SESSION_IDLE_SECONDS + PRECISION_SECONDS)
    with transaction.atomic():
        idle = UserSession.objects.filter(last_seen_at__lt=idle_since).values("session_key")
        Session.objects.filter(Q(expire_date__lt=timezone.now()) | Q(session_key__in=idle)).delete()
        UserSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
