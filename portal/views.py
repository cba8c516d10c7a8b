import hmac
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults, i18n
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_POST, require_safe
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from access import choice, policy
from access.models import Person
from access.views.common import NoStanding, enterprise_choice
from decisions import views as decisions_views
from ebox import selectors as ebox_selectors
from portal import health as health_checks
from portal import metrics as portal_metrics
from portal.middleware import PREFERRED_LANGUAGE
from provisioning import scim as provisioning_scim


def home(request: HttpRequest) -> HttpResponse:
    """The welcome page, and once signed in the choice of the enterprise to act for (access.choice):
    each with its unread e-Box messages and the groups whose users the person manages there, one
    click from their list; searched and paged when the person acts for many (docs/design.md §5.3.3)."""
    person = getattr(request.user, "person", None) if request.user.is_authenticated else None
    if person is None:
        return render(request, "portal/home.html", {"person": None})
    context = enterprise_choice(request, person)
    lines = choice.choices(person, list(context["page"].object_list))
    unread = ebox_selectors.unread_counts(
        person, {line.enterprise.pk: line.services for line in lines if policy.can_use_ebox(line.standing)}
    )
    context["lines"] = [(line, unread.get(line.enterprise.pk)) for line in lines]
    return render(request, "portal/home.html", context)


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


def health(request: HttpRequest) -> JsonResponse:
    """For the load balancer and the monitoring: the database answers, and Redis when one is
    configured; a worker ran its heartbeat lately when one is expected, and the outbox has no old
    backlog. 503 when this machine cannot serve (the database or Redis); a stale worker or an old
    backlog is reported but leaves the answer 200: every web machine would answer the same, and a
    load balancer would take them all out of service (docs/decisions.md §6)."""
    serving = {"database": health_checks.database()}
    if settings.REDIS_URL:
        serving["redis"] = health_checks.redis_server()
    checks = dict(serving)
    if settings.WORKER_HEARTBEAT_MAX_AGE:
        checks["worker"] = health_checks.worker_heartbeat()
    if settings.OUTBOX_BACKLOG_MAX_AGE:
        checks["outbox"] = health_checks.outbox_backlog()
    can_serve = all(value == "ok" for value in serving.values())
    return JsonResponse(checks, status=200 if can_serve else 503)


def metrics(request: HttpRequest) -> HttpResponse:
    """For Prometheus: the bearer of METRICS_TOKEN reads the metrics (portal.metrics), anyone else
    is refused (403); without a token configured there is nothing here (404)."""
    if not settings.METRICS_TOKEN:
        raise Http404
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), settings.METRICS_TOKEN.encode()):
        raise PermissionDenied
    return HttpResponse(generate_latest(portal_metrics.registry()), content_type=CONTENT_TYPE_LATEST)


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
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A page that is not there; for an enterprise in which the person has no standing (or which
    does not exist: the same page), a page that says so and what to do."""
    if isinstance(exception, NoStanding):
        return render(request, "access/no_standing.html", status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """The portal's 500 page, in the person's language, with the id to quote; on the decision
    point's addresses, a JSON error for its clients, and a SCIM error on SCIM's. It reads nothing
    from the database, which may be what failed."""
    if decisions_views.answers_in_json(request):
        return decisions_views.server_error(request)
    if provisioning_scim.answers_in_scim(request):
        return provisioning_scim.server_error(request)
    return render(request, "500.html", {"request_id": getattr(request, "request_id", "")}, status=500)
