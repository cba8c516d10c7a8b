"""Who could act for the enterprise on a day, in the groups the manager manages: the page and its
download (access.history, docs/design.md §5.11)."""

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from access import history, policy
from access.forms import WhoCouldActForm
from access.selectors import Actor
from access.views.common import csv_download, get_actor_or_404, page_context, page_number, require

CHOICES = ("service", "day")


def _form(request: HttpRequest, actor: Actor) -> tuple[WhoCouldActForm, frozenset[int]]:
    require(policy.can_view_who_could_act(actor.standing))
    groups = policy.who_could_act_groups(actor.standing)
    asked = any(key in request.GET for key in CHOICES)
    form = WhoCouldActForm(
        request.GET if asked else None,
        services=history.services_offered(groups),
        initial={"day": timezone.localdate()},
    )
    return form, groups


def _rows(actor: Actor, form: WhoCouldActForm, groups: frozenset[int]) -> history.CouldActRows:
    service = form.cleaned_data["service"]
    return history.who_could_act(actor.enterprise, groups, form.cleaned_data["day"], service.pk if service else None)


@login_required
@require_GET
def who_could_act(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """The form; once a day is chosen, who could act on it, by service. A day in error is said
    next to its field and lists nobody."""
    actor = get_actor_or_404(request, enterprise_id)
    form, groups = _form(request, actor)
    page = query = None
    if form.is_bound and form.is_valid():
        query = form.query()
        paginator = Paginator(_rows(actor, form, groups), settings.PAGE_SIZE)
        number = page_number(request)
        page = paginator.page(number if number <= paginator.num_pages else 1)
    context = page_context(
        actor,
        form=form,
        page=page,
        filters_query=query,
        day=form.cleaned_data["day"] if page is not None else None,
        export_url=f"{reverse('access:who_could_act_export', args=[actor.enterprise.pk])}?{query}" if query else "",
    )
    return render(request, "access/who_could_act.html", context)


def _csv_rows(rows: Iterable[history.CouldAct]) -> Iterator[list[str]]:
    yield [
        _("Online service"),
        _("Person"),
        _("National register number"),
        _("Group"),
        _("Granted at"),
        _("Granted by"),
        _("Until"),
    ]
    for row in rows:
        grant = row.grant
        yield [
            row.service.name,
            row.person.full_name,
            row.person.niss_masked,
            row.group_name,
            formats.date_format(timezone.localtime(grant.granted_at), "Y-m-d H:i"),
            row.granted_by.full_name if row.granted_by else "",
            grant.valid_until.isoformat() if grant.valid_until else "",
        ]


@login_required
@require_GET
def who_could_act_export(request: HttpRequest, enterprise_id: int) -> HttpResponseBase:
    """The same list as CSV, for a spreadsheet; a choice in error leads back to the page, which
    says what is wrong."""
    actor = get_actor_or_404(request, enterprise_id)
    form, groups = _form(request, actor)
    if not (form.is_bound and form.is_valid()):
        page = reverse("access:who_could_act", args=[actor.enterprise.pk])
        return redirect(f"{page}?{request.GET.urlencode()}" if request.GET else page)
    day = form.cleaned_data["day"]
    return csv_download(
        _csv_rows(_rows(actor, form, groups)), f"who-could-act-{actor.enterprise.number}-{day:%Y-%m-%d}"
    )
