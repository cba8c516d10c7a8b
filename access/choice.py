"""The choice of the enterprise to act for, after login and on *My access*: every enterprise of the
person (selectors.enterprises_of), searched by name or number and paged, with what each line shows
read for the page's enterprises together, in the same queries whatever their number
(docs/decisions.md §17)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from access import policy, selectors
from access.models import Enterprise, Group, Person, fold

# From this many enterprises the choice has a search box and says how many there are; a person
# with fewer sees them all on one screen, as they always did.
SEARCH_FROM = 11

# Separators people type in an enterprise number: 0403.019.261, 0403 019 261, BE 0403-019-261.
_NUMBER_SEPARATORS = str.maketrans("", "", " .-/")


def wants_search(total: int, query: str) -> bool:
    """A search box for a person with many enterprises, and for anyone who has searched already
    (an address with ?q=), who may need to clear it."""
    return total >= SEARCH_FROM or bool(query)


def enterprise_matches(query: str, through: str = "") -> Q:
    """Every word typed is in the enterprise's name, accents, case and apostrophes aside (as for
    people's names, Enterprise.search_name); digits are also looked for in its number, with or
    without BE, dots and spaces, and a part of a number is enough: a person searches their own
    enterprises, whose numbers are public. `through` names the enterprise from another model
    ("principal__" for a mandate's principal)."""
    query = query.strip()[:100]
    condition = Q()
    for word in fold(query).split():
        condition &= Q(**{f"{through}search_name__contains": word})
    digits = query.upper().removeprefix("BE").translate(_NUMBER_SEPARATORS)
    if digits.isascii() and digits.isdigit():
        condition |= Q(**{f"{through}number__contains": digits})
    return condition


def enterprises_to_choose(person: Person, query: str = "") -> QuerySet[Enterprise]:
    """The person's enterprises that match the search (all of them without one), by name."""
    enterprises = selectors.enterprises_of(person)
    return enterprises.filter(enterprise_matches(query)) if query.strip() else enterprises


@dataclass(frozen=True)
class Choice:
    """One enterprise of the choice: the person's standing and services there, and the groups whose
    users they manage (each a link to the group's page)."""

    enterprise: Enterprise
    standing: policy.Standing
    services: set[str]
    managed_groups: list[Group]


def choices(person: Person, enterprises: Sequence[Enterprise]) -> list[Choice]:
    """The lines of one page of the choice, in at most three queries whatever its length: the
    standings (selectors.standings_across), the services (selectors.effective_services_across) and
    the groups the person manages in all of these enterprises."""
    pairs = [(person.pk, enterprise.pk) for enterprise in enterprises]
    standings = selectors.standings_across(pairs)
    services = selectors.effective_services_across(standings)
    managed = {
        pair: standing.scope_groups if policy.can_manage_users(standing) else frozenset()
        for pair, standing in standings.items()
    }
    wanted = frozenset().union(*managed.values())
    groups = (
        list(Group.objects.filter(pk__in=wanted).select_related("role_type").order_by("role_type__code", "pk"))
        if wanted
        else []
    )
    return [
        Choice(
            enterprise=enterprise,
            standing=standings[pair],
            services=services[pair],
            managed_groups=[group for group in groups if group.pk in managed[pair]],
        )
        for enterprise, pair in zip(enterprises, pairs, strict=True)
    ]
