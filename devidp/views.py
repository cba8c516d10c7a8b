"""Endpoints of the development identity provider (OpenID Connect, authorization code flow).

Only mounted when DEV_IDP_ENABLED is on. The login page lets a developer or a test pick a demo
identity (any person of the portal who has a national register number, found by name, or someone
unknown to it) and an authentication method, and returns the claims of the federal authentication service.
"""

import base64
import binascii
import secrets
from collections.abc import Iterable
from datetime import date
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from access.identifiers import make_niss, parse_niss
from access.models import Person
from access.selectors import names_match
from devidp import provider

CALLBACK_PATH = "/accounts/oidc/federal/login/callback/"
UNKNOWN = "unknown"


def _issuer(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("devidp:root")).rstrip("/")


@require_GET
def configuration(request: HttpRequest) -> JsonResponse:
    issuer = _issuer(request)
    return JsonResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": request.build_absolute_uri(reverse("devidp:authorize")),
            "token_endpoint": request.build_absolute_uri(reverse("devidp:token")),
            "userinfo_endpoint": request.build_absolute_uri(reverse("devidp:userinfo")),
            "jwks_uri": request.build_absolute_uri(reverse("devidp:jwks")),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256", "plain"],
            "scopes_supported": ["openid", "profile", "email", "egovnrn"],
            "claims_supported": ["sub", "egovNRN", "givenName", "surname", "mail", "prefLanguage", "amr", "acr"],
        }
    )


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(provider.jwks())


# The most people the login page lists; a search by name finds the others.
LISTED = 200


class IdentityForm(forms.Form):
    identity = forms.CharField(label=_("Identity"), widget=forms.RadioSelect, required=False)
    niss = forms.CharField(
        label=_("Or another person's national register number"),
        required=False,
        max_length=40,
        help_text=_("Any valid number: a user of the portal, or someone it does not know."),
    )
    method = forms.ChoiceField(
        label=_("Authentication method"),
        widget=forms.RadioSelect,
        initial="eid",
        choices=[
            ("eid", _("eID card reader")),
            ("itsme", _("itsme")),
            ("mygov", _("MyGov.be account")),
            ("otp", _("One-time code")),
        ],
    )

    def __init__(self, *args: object, people: Iterable[Person] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # The demo identities: the people listed, then someone the portal does not know.
        cast(forms.RadioSelect, self.fields["identity"].widget).choices = [
            *((str(p.pk), f"{p.full_name} ({p.niss_masked})") for p in people),
            (UNKNOWN, _("Someone the portal does not know")),
        ]

    def clean_identity(self) -> str:
        """Anyone with a national register number, listed or not (a search may have hidden them)."""
        value: str = self.cleaned_data["identity"]
        if value in ("", UNKNOWN):
            return value
        if not (value.isascii() and value.isdigit() and len(value) < 19) or not _people().filter(pk=value).exists():
            raise forms.ValidationError(_("Choose one of the identities listed."))
        return value

    def clean_niss(self) -> str:
        value = self.cleaned_data["niss"]
        return parse_niss(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("identity")) == bool(data.get("niss")):
            raise forms.ValidationError(_("Choose one identity, or type one national register number."))
        return data


def _authorization_error(request: HttpRequest) -> str | None:
    params = request.GET if request.method == "GET" else request.POST
    if params.get("response_type") != "code":
        return "unsupported_response_type"
    if params.get("client_id") != settings.OIDC_CLIENT_ID:
        return "unauthorized_client"
    redirect_uri = urlsplit(params.get("redirect_uri", ""))
    if redirect_uri.path != CALLBACK_PATH or redirect_uri.netloc != request.get_host():
        return "invalid_redirect_uri"
    return None


OIDC_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


def _claims(identity: str, niss: str, method: str) -> dict[str, object]:
    amr, acr = provider.METHODS[method]
    if identity:
        person = Person.objects.filter(pk=identity, niss__isnull=False).first() if identity != UNKNOWN else None
    else:
        person = Person.objects.filter(niss=niss).first()
    if person is None:
        niss = niss or make_niss(date(1990, 1, 1), secrets.randbelow(900) + 50)
        names = {"givenName": "Ursula", "surname": "Unknown", "mail": "", "prefLanguage": "en"}
    else:
        niss = str(person.niss)
        names = {
            "givenName": person.given_name,
            "surname": person.surname,
            "mail": person.email,
            "prefLanguage": person.preferred_language,
        }
    return {"sub": provider.subject_of(niss), "egovNRN": niss, **names, "amr": [amr], "acr": acr}


def authorize(request: HttpRequest) -> HttpResponse:
    error = _authorization_error(request)
    if error:
        return render(request, "devidp/error.html", {"error": error}, status=400)
    params = request.GET if request.method == "GET" else request.POST
    # The people listed: everyone with a number, or those whose names hold every word searched.
    query = request.GET.get("q", "").strip()[:100]
    people = _people().filter(names_match(query)) if query else _people()
    listed = list(people.order_by("surname", "given_name", "pk")[: LISTED + 1])
    form = IdentityForm(request.POST or None, people=listed[:LISTED])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        code = provider.issue_code(
            {
                "client_id": params["client_id"],
                "redirect_uri": params["redirect_uri"],
                "nonce": params.get("nonce"),
                "code_challenge": params.get("code_challenge"),
                "code_challenge_method": params.get("code_challenge_method"),
                "claims": _claims(data["identity"], data["niss"], data["method"]),
            }
        )
        query = urlencode({"code": code, "state": params.get("state", "")})
        return redirect(f"{params['redirect_uri']}?{query}")
    oidc = {name: params.get(name, "") for name in OIDC_PARAMS}
    context = {"form": form, "oidc": oidc, "query": query, "more": len(listed) > LISTED, "listed": LISTED}
    return render(request, "devidp/authorize.html", context)


def _people() -> QuerySet[Person]:
    """Who may log in here: every person of the portal with a national register number."""
    return Person.objects.filter(niss__isnull=False)


def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _sep, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return client_id, secret
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


@csrf_exempt  # a back-channel call from the portal's server, authenticated by the client secret
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    client_id, secret = _client_credentials(request)
    if client_id != settings.OIDC_CLIENT_ID or not secrets.compare_digest(secret, settings.OIDC_CLIENT_SECRET):
        return JsonResponse({"error": "invalid_client"}, status=401)
    if request.POST.get("grant_type") != "authorization_code":
        return JsonResponse({"error": "unsupported_grant_type"}, status=400)
    grant = provider.redeem_code(request.POST.get("code", ""))
    if (
        grant is None
        or grant["client_id"] != client_id
        or grant["redirect_uri"] != request.POST.get("redirect_uri")
        or not provider.pkce_matches(grant, request.POST.get("code_verifier"))
    ):
        return JsonResponse({"error": "invalid_grant"}, status=400)
    return JsonResponse(provider.tokens(grant, _issuer(request)))


@require_GET
def userinfo(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    claims = provider.userinfo(header[7:]) if header.startswith("Bearer ") else None
    if claims is None:
        return HttpResponseBadRequest("invalid_token", status=401)
    return JsonResponse(claims)
