"""The journal of the actor's scope, searched and exported, and the confirmation of an activation."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from access import journal_display, selectors
from access.forms import JournalFilterForm, looks_like_a_number
from access.models import Enterprise, Person
from access.views.common import (
    csv_download,
    get_actor_or_404,
    page_context,
    window,
)

# --- Journal --------------------------------------------------------------------------------

FILTERS = ("who", "person", "action", "group", "since", "until")
EXPORT_CHUNK = 500  # events read from the database at a time: the export's memory stays the same


@login_required
def journal(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """The journal, filtered. The filter is posted (a national register number may be in it) and
    the journal shown at an address that names no number; a filter in error changes nothing."""
    actor = get_actor_or_404(request, enterprise_id)
    posted = request.method == "POST"
    data = request.POST if posted else request.GET if any(key in request.GET for key in FILTERS) else None
    form = JournalFilterForm(data, actor=actor, posted=posted)
    events, query = selectors.journal_in_scope(actor), ""
    if form.is_bound and form.is_valid():
        query = form.query()
        if posted and not form.nobody:
            return redirect(f"{request.path}?{query}" if query else request.path)
        # A national register number of nobody in the journal: nothing matches, nothing to page.
        events = events.none() if form.nobody else selectors.journal_search(actor, form.filters())
    exportable = not form.is_bound or (form.is_valid() and not form.nobody)
    export_url = reverse("access:journal_export", args=[actor.enterprise.pk]) + (f"?{query}" if query else "")
    page = window(request, events)
    names = journal_display.Names()
    for event in page.object_list:
        code = (event.after or {}).get("service") or (event.before or {}).get("service")
        event.service_name = names.services.get(code, code) if code else ""
        event.changes = journal_display.changes(event, names)
        event.by = journal_display.by_whom(event)
        event.via = journal_display.via(event)
    context = page_context(
        actor,
        page=page,
        form=form,
        filters_query=query,
        filtered=form.is_bound and form.is_valid(),
        export_url=export_url if exportable else "",
    )
    return render(request, "access/journal.html", context)


@login_required
@require_GET
def journal_export(request: HttpRequest, enterprise_id: int) -> HttpResponseBase:
    """The filtered journal as CSV (`;`-separated, UTF-8), streamed a chunk of events at a time.
    A filter in error leads back to the journal, which says what is wrong."""
    actor = get_actor_or_404(request, enterprise_id)
    form = JournalFilterForm(request.GET, actor=actor, posted=False)
    if not form.is_valid():
        kept = request.GET.copy()
        if looks_like_a_number(kept.get("who", "")):
            kept.pop("who")  # never sent back into an address
        return redirect(f"{reverse('access:journal', args=[actor.enterprise.pk])}?{kept.urlencode()}")
    events = selectors.journal_search(actor, form.filters()).iterator(chunk_size=EXPORT_CHUNK)
    names = journal_display.Names()
    return csv_download(
        journal_display.csv_rows(events, names), f"journal-{actor.enterprise.number}-{timezone.localdate():%Y-%m-%d}"
    )


# --- Activation -----------------------------------------------------------------------------


@login_required
def activated(request: HttpRequest) -> HttpResponse:
    """The confirmation after the first login of a Main Access Manager: the account is active."""
    ids = request.session.pop("activated_enterprises", [])
    person = Person.objects.filter(user=request.user).first() if request.user.is_authenticated else None
    enterprises = selectors.enterprises_of(person).filter(pk__in=ids) if person else Enterprise.objects.none()
    return render(request, "access/activated.html", {"enterprises": enterprises})
