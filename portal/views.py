from datetime import date

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import i18n
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_POST, require_safe

from access import policy, selectors
from access.models import Enterprise, Person
from ebox import selectors as ebox_selectors
from portal.middleware import PREFERRED_LANGUAGE


def home(request: HttpRequest) -> HttpResponse:
    """The welcome page, and once signed in the choice of the enterprise to act for."""
    enterprises = []
    person = None
    if request.user.is_authenticated:
        person = getattr(request.user, "person", None)
        if person is not None:
            enterprises = [(e, _unread(person, e)) for e in selectors.enterprises_of(person)]
    return render(request, "portal/home.html", {"person": person, "enterprises": enterprises})


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """The benchmark's reference: the site's layout behind the login, and nothing to look up."""
    return render(request, "portal/floor.html")


# When the accessibility statement was last checked against the pages.
ACCESSIBILITY_STATEMENT_DATE = date(2026, 11, 28)


def _about(request: HttpRequest, template: str, **extra: object) -> HttpResponse:
    """The pages every public portal shows, open to all, before and after logging in."""
    context = {
        "service_desk_email": settings.SERVICE_DESK_EMAIL,
        "service_desk_phone": settings.SERVICE_DESK_PHONE,
        "idle_minutes": settings.SESSION_IDLE_SECONDS // 60,
        "reauthentication_minutes": max(1, settings.REAUTHENTICATION_SECONDS // 60),
        **extra,
    }
    return render(request, template, context)


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return _about(request, "portal/accessibility.html", statement_date=ACCESSIBILITY_STATEMENT_DATE)


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return _about(request, "portal/privacy.html")


@require_safe
def help_and_contact(request: HttpRequest) -> HttpResponse:
    return _about(request, "portal/help.html")


def _unread(person: Person, enterprise: Enterprise) -> int | None:
    """Unread e-Box messages of one enterprise, for those who read its e-Box."""
    standing = selectors.standing_of(person.pk, enterprise.pk)
    if not policy.can_use_ebox(standing):
        return None
    held = selectors.effective_services(person, enterprise, standing)
    return ebox_selectors.unread_count(person, enterprise, held)


def health(request: HttpRequest) -> JsonResponse:
    """For the load balancer: the database answers, and Redis when one is configured."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError:
        checks["database"] = "unavailable"
    if settings.REDIS_URL:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except redis.RedisError:
            checks["redis"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher, which also keeps the choice as the person's preference."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        Person.objects.filter(user=request.user).update(preferred_language=language)
        request.session[PREFERRED_LANGUAGE] = language
    return response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """The portal's 500 page, in the person's language, with the id to quote. It reads nothing from
    the database, which may be what failed."""
    return render(request, "500.html", {"request_id": getattr(request, "request_id", "")}, status=500)
