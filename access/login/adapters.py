"""The allauth adapters: who may log in, as which person, and what a first login activates.

They live in access (not accounts) because they link a login to a Person, whose model is here.
"""

import time
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import STATE_SESSION_KEY
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from access import services
from access.login.provider import FederalProvider, nonce_matches
from access.login.reauthentication import (
    IDENTITY_CONFIRMED_AT,
    RESUME_CONFIRMED_ACTION,
    confirmed_recently,
    resume_confirmed_action,
)
from access.models import AuditEvent, Person
from access.services.identity import credentials_change_record, login_method
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
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            # The rest of this request speaks the person's language, as the next page will
            # (portal.middleware.PreferredLanguageMiddleware): allauth writes "You are logged in"
            # right after this, and a federated login arrives in the browser's language.
            translation.activate(person.preferred_language)
            request.LANGUAGE_CODE = person.preferred_language  # type: ignore[attr-defined]
        method = getattr(request, "identity_method", None)
        if method is not None:
            request.session[IDENTITY_CONFIRMED_AT] = time.time()
        else:
            # allauth calls this once every stage of the login is passed, the second factor
            # included; its records of the steps say which were taken.
            method = login_method(get_authentication_records(request, user))
        request.session["identity_method"] = method
        activated = services.login_record(person, method=method, ip=client_ip(request))
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
            credentials_change_record(person, action, ip=client_ip(self.request))
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
        person = services.person_get_by_identity(claims)
        if person is None or (sociallogin.is_existing and sociallogin.user.pk != getattr(person.user, "pk", None)):
            raise ImmediateHttpResponse(render(request, "account/unknown_person.html", status=403))
        user = services.identity_link(person, claims, ip=client_ip(request))
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
                services.sessions_ended_record(person, ended=len(sessions), ip=client_ip(request))
