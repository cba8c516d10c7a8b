from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access import selectors
from access.models import Person


def home(request: HttpRequest) -> HttpResponse:
    """The welcome page, and once signed in the choice of the enterprise to act for."""
    enterprises = []
    person = None
    if request.user.is_authenticated:
        person = Person.objects.filter(user=request.user).first()
        if person is not None:
            enterprises = list(selectors.enterprises_of(person))
    return render(request, "portal/home.html", {"person": person, "enterprises": enterprises})
