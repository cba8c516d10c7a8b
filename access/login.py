"""The allauth adapters: who may log in, as which person, and what a first login activates.

They live in access (not accounts) because they link a login to a Person, whose model is here.
"""

import secrets
import time
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import STATE_SESSION_KEY, stash_and_reauthenticate
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import resolve, reverse
from django.utils.translation import gettext as _

from access import services
from access.models import AuditEvent, Person
from access.services.identity import login_method, record_credentials_change
from accounts import setup
from accounts.adapter import AccountAdapter as BaseAccountAdapter
from accounts.http import client_ip
from accounts.models import User

# What allauth announces (and mails, when its notifications are on) after a change a person made
# to their own login, and how the journal names it.
CREDENTIALS_CHANGES = {
    "account/email/password_changed": AuditEvent.Action.PASSWORD_CHANGED,
    "mfa/email/recovery_codes_generated": AuditEvent.Action.RECOVERY_CODES_GENERATED,
}
IDENTITY_CONFIRMED_AT = "identity_confirmed_at"
RETURNED_PAGE = "returned_page"
CONFIRMATION_PAGES = {"account_reauthenticate", "mfa_reauthenticate"}


def require_recent_authentication(request: HttpRequest, action: str) -> HttpResponse | None:
    """Managers prove who they are again before designating or blocking for all groups (docs/design.md §7.4).

    Called once the action's form is valid, so that a wrong value is corrected before anyone is
    asked for a password. A login or a confirmation within REAUTHENTICATION_SECONDS is enough.
    Otherwise the action waits in the session: with a password (or a one-time code), allauth asks
    for it; with a federal identity, the person logs in at the identity provider again. Either way
    the action is then done (see `resume_confirmed_action`). `action` says what is being confirmed.
    """
    if request.method != "POST" or confirmed_recently(request):
        return None
    user = request.user
    waiting = {
        # What the view reads of the post; never its headers (runserver's hold the environment).
        "request": {"path": request.path, "path_info": request.path_info, "post": request.POST.urlencode()},
        "action": str(action),
        "user": user.pk,
        "at": time.time(),
    }
    if isinstance(user, User) and user.has_usable_password():
        return stash_and_reauthenticate(request, waiting, RESUME_CONFIRMED_ACTION)
    request.session[STATE_SESSION_KEY] = {"state": waiting, "callback": RESUME_CONFIRMED_ACTION}
    return render(request, "account/confirm_identity.html", {"next": request.get_full_path(), "action": action})


def confirmed_recently(request: HttpRequest) -> bool:
    """Whether the person proved who they are within REAUTHENTICATION_SECONDS, at their login or since.

    allauth's own check counts only its re-authentication pages, never the login itself: a manager
    who had just logged in was asked for their password again.
    """
    now = time.time()
    records = get_authentication_records(request, request.user)
    times = [record.get("at", 0) for record in records] + [request.session.get(IDENTITY_CONFIRMED_AT, 0)]
    return any(now - at < settings.REAUTHENTICATION_SECONDS for at in times)


def resume_confirmed_action(request: HttpRequest, waiting: dict[str, Any]) -> HttpResponse:
    """Once the person confirmed who they are: the action that waited, as if posted again."""
    suspended = request
    suspended.method = "POST"
    suspended.POST = QueryDict(waiting["request"]["post"])
    suspended.path, suspended.path_info = waiting["request"]["path"], waiting["request"]["path_info"]
    page = suspended.path
    if waiting.get("user") != request.user.pk or time.time() - waiting["at"] > settings.REAUTHENTICATION_SECONDS:
        messages.error(
            request, _("Nothing was done: the confirmation came too long after the action. Please do it again.")
        )
        return redirect(page)
    match = resolve(suspended.path_info)
    suspended.resolver_match = match
    response = match.func(suspended, *match.args, **match.kwargs)
    if response.status_code == 200:
        # Refused after all (something changed meanwhile): the form comes back with the error on
        # its own page, where correcting it posts to the right place.
        request.session[RETURNED_PAGE] = {"path": suspended.path, "content": response.content.decode()}
        return redirect(page)
    return response


RESUME_CONFIRMED_ACTION = f"{__name__}.{resume_confirmed_action.__name__}"


def action_to_confirm(request: HttpRequest) -> dict[str, str]:
    """The re-authentication pages say which action they confirm."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in CONFIRMATION_PAGES:
        return {}
    waiting = (request.session.get(STATE_SESSION_KEY) or {}).get("state") or {}
    return {"action_to_confirm": waiting["action"]} if "action" in waiting else {}


class ReturnedPageMiddleware:
    """Shows, once, the page of an action that was refused after its confirmation, at its own address."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        if request.method == "GET" and request.user.is_authenticated:
            returned = request.session.get(RETURNED_PAGE)
            if returned and returned.get("path") == request.path:
                del request.session[RETURNED_PAGE]
                return HttpResponse(returned["content"])
        return self.get_response(request)


class AccountAdapter(BaseAccountAdapter):
    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """allauth's own pages that ask for a confirmation (enrolling an app, the recovery codes)
        accept a login as recent as the portal's actions do: right after logging in, nobody is
        asked for their password again."""
        request = context.request
        if request is not None and request.user.is_authenticated and confirmed_recently(request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def login(self, request: HttpRequest, user: Any) -> None:
        super().login(request, user)
        waiting = getattr(request, "waiting_action", None)
        if waiting is not None:
            # allauth starts a new session for the federal login that confirms an action.
            request.session[STATE_SESSION_KEY] = waiting
        if user.password_is_temporary:
            setup.start_setup(user)
            # The temporary password stops working; this session stays valid.
            update_session_auth_hash(request, user)
        person = Person.objects.filter(user=user).first()
        if person is None:
            return
        request.session["preferred_language"] = person.preferred_language
        method = getattr(request, "identity_method", None)
        if method is not None:
            request.session[IDENTITY_CONFIRMED_AT] = time.time()
        else:
            # allauth calls this once every stage of the login is passed, the second factor
            # included; its records of the steps say which were taken.
            method = login_method(get_authentication_records(request, user))
        request.session["identity_method"] = method
        activated = services.record_login(person, method=method, ip=client_ip(request))
        if activated:
            request.session["activated_enterprises"] = [enterprise.pk for enterprise in activated]

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        response = super().post_login(request, user, **kwargs)
        if getattr(request, "waiting_action", None) is not None:
            # The federal login confirmed the action that waited for it.
            waiting = request.session.pop(STATE_SESSION_KEY)
            return resume_confirmed_action(request, waiting["state"])
        return response

    def send_notification_mail(
        self, template_prefix: str, user: Any, context: Any = None, email: str | None = None
    ) -> None:
        # allauth calls this after the change itself, whether its notifications are on or not.
        action = CREDENTIALS_CHANGES.get(template_prefix)
        person = Person.objects.filter(user=user).first() if action else None
        if action and person is not None:
            record_credentials_change(person, action, ip=client_ip(self.request))
        super().send_notification_mail(template_prefix, user, context, email)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        step = setup.next_setup_step(user) if isinstance(user, User) and user.setup_required else None
        if step:
            return reverse(step)
        if isinstance(user, User) and setup.add_missing_recovery_codes(user):
            return reverse("mfa_view_recovery_codes")
        if request.session.get("activated_enterprises"):
            return reverse("activated")
        return super().get_login_redirect_url(request)


def identity_claims(sociallogin: SocialLogin) -> dict[str, Any]:
    data = sociallogin.account.extra_data or {}
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}


class FederalProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, with a nonce: a fresh one goes with each authorization
    request, and the ID token must bring it back (OpenID Connect Core 1.0, §3.1.3.7).

    allauth checks the state, and the issuer, audience and expiry of the ID token, but sends no
    nonce and checks none: without it, an ID token issued for another login could be replayed.
    """

    def redirect(
        self, request: HttpRequest, process: Any, next_url: Any = None, data: Any = None, **kwargs: Any
    ) -> Any:
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        auth_params = self.get_auth_params() if auth_params is None else auth_params
        auth_params["nonce"] = nonce  # never one from the request's own auth_params
        # The other keyword arguments are kept in the login's state, in the session.
        return super().redirect(request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs)


def nonce_matches(sociallogin: SocialLogin) -> bool:
    sent = (sociallogin.state or {}).get("nonce")
    received = ((sociallogin.account.extra_data or {}).get("id_token") or {}).get("nonce")
    return isinstance(sent, str) and isinstance(received, str) and secrets.compare_digest(sent, received)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Federated logins are linked to the person by national register number, never by e-mail."""

    def get_provider(self, request: HttpRequest, provider: Any, client_id: Any = None) -> Any:
        found = super().get_provider(request, provider, client_id=client_id)
        if type(found) is OpenIDConnectProvider:
            return FederalProvider(request, app=found.app)
        return found

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if not nonce_matches(sociallogin):
            # Refused like allauth refuses a wrong state, issuer or audience, before anything is written.
            provider = self.get_provider(request, sociallogin.account.provider)
            raise ImmediateHttpResponse(render_authentication_error(request, provider))
        claims = identity_claims(sociallogin)
        person = services.person_for_identity(claims)
        if person is None or (sociallogin.is_existing and sociallogin.user.pk != getattr(person.user, "pk", None)):
            raise ImmediateHttpResponse(render(request, "account/unknown_person.html", status=403))
        user = services.link_identity(person, claims, ip=client_ip(request))
        waiting = request.session.get(STATE_SESSION_KEY) or {}
        if request.user.pk == user.pk and waiting.get("callback") == RESUME_CONFIRMED_ACTION:
            # This login confirms an action of the same person: it survives the new session.
            request.waiting_action = waiting  # type: ignore[attr-defined]
        if not sociallogin.is_existing:
            sociallogin.connect(request, user)
        amr = claims.get("amr")
        request.identity_method = {  # type: ignore[attr-defined]
            "amr": amr if isinstance(amr, list) else [str(amr)] if amr else [],
            "acr": claims.get("acr"),
        }

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions: Any) -> None:
        """A person ending their other sessions (their sessions page) is journaled."""
        sessions = list(sessions)
        with transaction.atomic():
            super().end_sessions(sessions)
            request = context.request
            person = Person.objects.filter(user=request.user).first() if request is not None else None
            if person is not None and sessions:
                services.record_sessions_ended(person, ended=len(sessions), ip=client_ip(request))


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
        activated = services.activate_pending_enterprises(person, method=method, ip=client_ip(request))
        if activated:
            request.session["activated_enterprises"] = [enterprise.pk for enterprise in activated]
        return bool(activated)
