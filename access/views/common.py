"""What every page of an enterprise does first: find the actor, check, lay out the menu."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import urlencode

from access import choice, policy, selectors, spreadsheets
from access.forms import SearchForm, looks_like_a_number
from access.models import Enterprise, Group, Person
from access.selectors import Actor
from access.services import ActionRefused
from accounts.http import client_ip


class NoStanding(Http404):
    """The person has no standing in this enterprise, or there is no such enterprise: one answer
    for both, a 404 whose page says so (portal.views.page_not_found)."""


def get_actor_or_404(request: HttpRequest, enterprise_id: int) -> Actor:
    """The signed-in person acting for this enterprise; 404 for anyone without standing in it (a
    page saying so), and for staff, who act in the admin (no person, no standing to be told of)."""
    if getattr(request.user, "person", None) is None:
        raise Http404
    actor = find_actor(request, enterprise_id)
    if actor is None or policy.is_outsider(actor.standing):
        raise NoStanding
    require(policy.can_view_enterprise(actor.standing))
    return actor


def find_actor(request: HttpRequest, enterprise_id: int) -> Actor | None:
    """The signed-in person with their standing in this enterprise, whatever it is (none at all
    included); None for a login without a person, or an enterprise that does not exist."""
    person = getattr(request.user, "person", None) if request.user.is_authenticated else None
    if person is None:
        return None
    # The enterprise comes with its groups, which frame the standing and make the menu.
    groups = list(Group.objects.filter(enterprise_id=enterprise_id).select_related("enterprise", "role_type"))
    enterprise = groups[0].enterprise if groups else Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None:
        return None
    frame = policy.Standing(
        person_id=None,
        enterprise_id=enterprise.pk,
        enterprise_groups={group.pk: group.role_type.domain_id for group in groups},
        # An enterprise without any group has nothing to manage: counting it inactive changes nothing.
        enterprise_active=bool(groups) and enterprise.status == Enterprise.Status.ACTIVE,
    )
    standing = selectors.standing_of(person.pk, enterprise.pk, frame)
    return Actor(person=person, enterprise=enterprise, standing=standing, ip=client_ip(request), groups=tuple(groups))


def require(decision: policy.Decision) -> None:
    if not decision:
        raise PermissionDenied(decision.reason)


def page_context(actor: Actor, *, services: set[str] | None = None, **extra: Any) -> dict[str, Any]:
    """What every page of an enterprise shows: the left menu and what the actor may open.

    `services` are the actor's effective online services when the page already has them; they
    are read only when the menu depends on them (a user, for Chaman).
    """
    standing = actor.standing
    if services is None and policy.chaman_needs_service(standing):
        services = selectors.effective_services(actor.person, actor.enterprise, standing)
    return {
        "actor": actor,
        "enterprise": actor.enterprise,
        "nav_groups": sorted(
            (group for group in actor.groups if group.pk in standing.scope_groups), key=lambda g: g.role_type.code
        ),
        "can_manage_users": bool(policy.can_manage_users(standing)),
        "can_manage_provisioning": bool(policy.can_manage_provisioning(standing)),
        "can_view_mandates": bool(policy.can_view_mandates(standing)),
        "can_import": bool(policy.can_import(standing)),
        "pending_notice": "" if standing.enterprise_active else policy.ENTERPRISE_PENDING,
        "can_view_managers": bool(policy.can_view_managers(standing)),
        "can_use_contactdata": bool(policy.can_use_contactdata(standing)),
        "can_use_ebox": bool(policy.can_use_ebox(standing)),
        "can_use_chaman": bool(policy.can_use_chaman(standing, services or set())),
        "can_manage_structured_messages": bool(policy.can_manage_structured_messages(standing)),
        "can_designate_main": bool(policy.can_designate_main(standing)),
        "can_view_who_could_act": bool(policy.can_view_who_could_act(standing)),
        "can_view_reviews": bool(policy.can_view_reviews(standing)),
        "can_follow_reviews": bool(policy.can_follow_reviews(standing)),
        "can_change_unused_access": bool(policy.can_change_unused_access(standing)),
        "can_view_approvals": bool(policy.can_view_approvals(standing)),
        **extra,
    }


def page_number(request: HttpRequest, name: str = "page") -> int:
    """The page asked for in `?page=` (or `name`, for a second list on the page): anything but a
    page number that can exist is the first page.

    int() also reads other scripts' digits and numbers beyond what the database takes as an
    offset ("bigint out of range"); an address typed or tampered with shows the first page.
    """
    value = request.GET.get(name, "")
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        return 1
    return max(1, int(value))


class ByIds:
    """A queryset as a page reads it: the ids of the page first, then their rows with what the
    queryset joins to them. The database finds the page among a long list without joining every
    row of the list to what the page shows (among a country's journal, it joined 62,000 events to
    their people and groups for the 26 it kept; the 20,000 mandates of a social secretariat, to
    their 300,000 possible principals for 25: docs/benchmarks.md)."""

    def __init__(self, queryset: QuerySet[Any]) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def ids(self, window: slice) -> list[Any]:
        return list(self.queryset.values_list("pk", flat=True)[window])

    def rows(self, ids: list[Any]) -> list[Any]:
        found = self.queryset.in_bulk(ids) if ids else {}
        return [found[pk] for pk in ids if pk in found]

    def __getitem__(self, window: slice) -> list[Any]:
        return self.rows(self.ids(window))


def paginate(request: HttpRequest, queryset: Any, count: Callable[[], int] | None = None, name: str = "page") -> Any:
    """The requested page (`?page=`, or `name`), or the first; `count` is a quicker way to count the
    same rows, when there is one."""
    paginator = Paginator(queryset, settings.PAGE_SIZE)
    if count is not None:
        paginator.count = count()  # a cached property: set, it is not computed
    number = page_number(request, name)
    return paginator.page(number if number <= paginator.num_pages else 1)


def enterprise_choice(request: HttpRequest, person: Person) -> dict[str, Any]:
    """The choice of the enterprise among the person's (access.choice), as the home page and *My
    access* show it: the search typed (`?q=`, in the address: an enterprise's name and number are
    no secret), the page asked for, how many enterprises the person acts for, and whether to offer
    the search box."""
    query = request.GET.get("q", "").strip()[:100]
    total = selectors.enterprises_of(person).count()
    found = choice.enterprises_to_choose(person, query)
    page = paginate(request, found, count=None if query else (lambda: total))
    return {"total": total, "page": page, "query": query, "searchable": choice.wants_search(total, query)}


@dataclass
class Window:
    """One page of a list too long to count, such as the journal: the reader goes forward and
    back, and no request counts every row."""

    object_list: list[Any]
    number: int
    has_next: bool
    paginator = None

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def window(request: HttpRequest, queryset: Any) -> Window:
    """The page asked of the queryset, and whether another follows, read by its ids (`ByIds`)."""
    number = page_number(request)
    start = (number - 1) * settings.PAGE_SIZE
    by_ids = ByIds(queryset)
    ids = by_ids.ids(slice(start, start + settings.PAGE_SIZE + 1))
    if not ids and number > 1:
        # Past the end (the list got shorter, or the address was edited): the first page.
        number, ids = 1, by_ids.ids(slice(0, settings.PAGE_SIZE + 1))
    return Window(
        object_list=by_ids.rows(ids[: settings.PAGE_SIZE]),
        number=number,
        has_next=len(ids) > settings.PAGE_SIZE,
    )


@dataclass
class Search:
    """What the person searched for, and the form that shows it (with its error, if any)."""

    form: SearchForm
    query: str = ""
    redirection: HttpResponse | None = None

    @property
    def refused(self) -> bool:
        return bool(self.form.errors)


def search_query(request: HttpRequest) -> Search:
    """The search text. It is posted, so that a national register number never lands in a URL;
    a search by name is redirected to an address with the name, which can be paged and shared.
    A number in an address is ignored, and a part of a number is refused with the reason."""
    if request.method == "GET" and looks_like_a_number(request.GET.get("q", "")):
        return Search(SearchForm())
    form = SearchForm(request.POST if request.method == "POST" else request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if request.method == "POST" and query and not looks_like_a_number(query):
        return Search(form, query, redirect(f"{request.path}?{urlencode({'q': query})}"))
    return Search(form, query)


def refused(request: HttpRequest, exc: ActionRefused) -> None:
    messages.error(request, str(exc.message))


def csv_download(rows: Iterable[Iterable[object]], name: str) -> StreamingHttpResponse:
    """The rows as a CSV file for a spreadsheet (access.spreadsheets), streamed, named `name`.csv."""
    lines = spreadsheets.lines(rows, translation.get_language())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
