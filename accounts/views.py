import json

from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.sms import dev_outbox_dir


@login_required
def setup_password(request: HttpRequest) -> HttpResponse:
    """Step one of the first login: choose a password (the temporary one no longer works)."""
    user = request.user
    if not isinstance(user, User) or not user.setup_required or user.has_usable_password():
        return redirect("home")
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        # Choosing the password is as fresh a proof as typing it: the next step (enrolling the
        # one-time-code app) asks for a recent authentication and gets this one.
        record_authentication(request, form.user, method="password", reauthenticated=True)
        messages.success(request, _("Your password is set. Now set up an app for one-time codes."))
        return redirect("mfa_activate_totp")
    return render(request, "account/setup_password.html", {"form": form})


def no_password_reset(request: HttpRequest, **link: str) -> HttpResponse:
    """Local accounts recover through new credentials from their legal representative (or staff).

    An e-mail reset would let whoever reads the mailbox choose the password without the SMS, and
    let anyone who knows the address touch a pending activation. Whatever is posted here, or
    whatever link is followed, is not read: the page only says what to do.
    """
    return render(request, "account/no_password_reset.html")


def not_offered(request: HttpRequest, **link: str) -> HttpResponse:
    """An allauth page the portal does not offer (see urls.py): nothing posted here is read."""
    raise Http404


def dev_outbox(request: HttpRequest) -> HttpResponse:
    """Development only: the e-mails and SMS the portal sent, newest first."""
    directory = dev_outbox_dir()
    entries = {}
    for kind in ("email", "sms"):
        path = directory / f"{kind}.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        entries[kind] = [json.loads(line) for line in reversed(lines[-200:])]
    return render(request, "account/dev_outbox.html", {"emails": entries["email"], "sms": entries["sms"]})
