from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access import policy, selectors
from access.models import Enterprise, Person
from ebox import selectors as ebox_selectors


def home(request: HttpRequest) -> HttpResponse:
    """The welcome page, and once signed in the choice of the enterprise to act for."""
    enterprises = []
    person = None
    if request.user.is_authenticated:
        person = Person.objects.filter(user=request.user).first()
        if person is not None:
            enterprises = [(e, _unread(person, e)) for e in selectors.enterprises_of(person)]
    return render(request, "portal/home.html", {"person": person, "enterprises": enterprises})


def _unread(person: Person, enterprise: Enterprise) -> int | None:
    """Unread e-Box messages of one enterprise, for those who read its e-Box."""
    standing = selectors.standing_of(person.pk, enterprise.pk)
    if not policy.can_use_ebox(standing):
        return None
    held = selectors.effective_services(person, enterprise, standing)
    return ebox_selectors.unread_count(person, enterprise, held)
