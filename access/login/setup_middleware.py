"""The set-up of a first local login: a password and a one-time-code app before anything else."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from access import services
from access.models import Person
from accounts import setup
from accounts.http import client_ip
from accounts.models import User


class AccountSetupMiddleware:
    """Until a first local login has set a password and a one-time-code app, nothing else opens.

    A page the person navigates to is redirected to the next step; anything else (a form posted,
    a script's request) is refused rather than answered with that step's form. What the browser
    fetches by itself (static files, the favicon) and the health check stay open. Once both steps
    are done, the person's pending enterprises become active.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        user = request.user
        if not (isinstance(user, User) and user.setup_required):
            return self.get_response(request)
        step = setup.next_setup_step(user)
        if step is None:
            # Also on the recovery codes page that follows the enrolment: the set-up is complete.
            activated = self.finish(request, user)
            if activated and setup.asks_for_a_page(request) and not setup.is_open_during_setup(request.path):
                return redirect("activated")
            return self.get_response(request)
        if setup.is_open_during_setup(request.path):
            return self.get_response(request)
        if setup.asks_for_a_page(request):
            return redirect(step)
        return render(request, "403.html", {"exception": _("Finish setting up your account first.")}, status=403)

    @staticmethod
    def finish(request: HttpRequest, user: User) -> bool:
        setup.finish_setup(user)
        person = Person.objects.filter(user=user).first()
        if person is None:
            return False
        method = {"amr": ["pwd", "otp"], "acr": None}
        activated = services.enterprises_activate_pending(person, method=method, ip=client_ip(request))
        if activated:
            request.session["activated_enterprises"] = [enterprise.pk for enterprise in activated]
        return bool(activated)
