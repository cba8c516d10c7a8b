"""The decision point's endpoints (AuthZEN Authorization API 1.0, docs/decisions-api.md).

Every answer is JSON, a server error included (`server_error`, through the portal's handler500).
A request goes: the method (405), the caller's token (401), the body (400), the scopes of the
token (403), then the decision. A denial is a 200 with `"decision": false`; every decision given is
counted in the metrics, and every denial is a line of the log (`decisions.metrics`,
`decisions.logs`). The token endpoint is the toolkit's, behind the rate limits of
`decisions.limits`.
"""

import copy
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import TokenView

from access import services as access_services
from decisions import authentication, evaluation, limits, logs, metrics, requests, selectors
from decisions.authentication import Caller, Unauthenticated, caller_of
from decisions.models import scope_of
from decisions.requests import Malformed, Question, Subject
from decisions.scopes import ServiceScopes

REALM = "access-decisions"
# The API described in OpenAPI 3.1 (docs/decisions-api.md §9), served at /access/v1/openapi.json.
OPENAPI = Path(__file__).resolve().parent / "openapi.json"
# The PEP's request id (AuthZEN §10.1.2), echoed when it is safe to put in a header and a log line.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
PAGE_TOKEN_SALT = "decisions.search.page"  # noqa: S105 - a salt, not a secret


class OutOfScope(Exception):
    """The token does not name an online service asked about: 403, nothing answered."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(f"This client may not ask about the online service {', '.join(codes)}.")
        self.codes = codes


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    # Decisions name people: no cache keeps them.
    response["Cache-Control"] = "no-store"
    return response


def _error(status: int, code: str, message: str) -> JsonResponse:
    """An error of the whole request (AuthZEN §10.1.1): its status and an error message string."""
    return _json({"error": {"status": status, "code": code, "message": message}}, status=status)


def _challenge(params: dict[str, str]) -> str:
    return "Bearer " + ", ".join(f'{name}="{value}"' for name, value in {"realm": REALM, **params}.items())


Handler = Callable[[HttpRequest, Caller, dict[str, Any]], JsonResponse]


def endpoint(handler: Handler) -> Callable[..., HttpResponse]:
    """A POST endpoint of the API: token-authenticated (so exempt from the session's CSRF check)."""

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        response = _serve(request, handler)
        pep_request_id = request.headers.get("X-Request-ID", "")
        if REQUEST_ID.fullmatch(pep_request_id):
            response["X-Request-ID"] = pep_request_id
        return response

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return view


def _serve(request: HttpRequest, handler: Handler) -> HttpResponse:
    if request.method != "POST":
        response = _error(405, "method_not_allowed", "Only POST is allowed here.")
        response["Allow"] = "POST"
        return response
    try:
        caller = caller_of(request)
        try:
            response = handler(request, caller, requests.read_json(request))
        except Malformed as exc:
            response = _error(400, "invalid_request", str(exc))
        # Whatever the answer, a 400 included, it is for a token usable now: the handlers confirm
        # it with their first read (`_known`), and this is for those that read nothing.
        if not caller.confirmed:
            authentication.confirm(caller)
        return response
    except Unauthenticated as exc:
        response = _error(401, exc.error or "unauthorized", str(exc))
        response["WWW-Authenticate"] = _challenge({"error": exc.error} if exc.error else {})
        return response
    except OutOfScope as exc:
        response = _error(403, "insufficient_scope", str(exc))
        scopes = " ".join(scope_of(code) for code in exc.codes)
        response["WWW-Authenticate"] = _challenge({"error": "insufficient_scope", "scope": scopes})
        return response


def _known(caller: Caller, subjects: Iterable[Subject], numbers: Iterable[str], codes: set[str]) -> selectors.Known:
    """What the portal knows of what is asked, read with the caller's token (one query): a token
    that stopped working is a 401 before anything is answered. Then the catalogue's services asked
    about must be ones the caller may ask about (a 403); a code the catalogue lacks is no other
    service's, and is answered as unknown."""
    known = selectors.known(subjects, numbers, codes, token=caller.token)
    may_ask = authentication.confirmed(caller, known.token_services)
    outside = sorted(code for code in codes if code in known.services and code not in may_ask)
    if outside:
        raise OutOfScope(outside)
    return known


def _decide(caller: Caller, questions: list[Question]) -> list[evaluation.Answer]:
    subjects = [question.subject for question in questions]
    numbers = [question.enterprise for question in questions]
    known = _known(caller, subjects, numbers, {question.service for question in questions})
    return evaluation.answer(questions, known)


def _given(caller: Caller, questions: list[Question], answers: list[evaluation.Answer]) -> None:
    """The decisions given, in the order of their questions: the permits are uses of the services
    (docs/decisions-api.md §6); each decision is counted, and each denial logged."""
    access_services.service_uses_record(answer.use for answer in answers if answer.use is not None)
    client = caller.client.client_id
    reasons = [None if answer.decision else str((answer.context or {}).get("reason")) for answer in answers]
    metrics.decided(client, reasons)
    for question, reason in zip(questions, reasons, strict=False):
        if reason is not None:
            logs.denied(
                client=client,
                subject=question.subject,
                enterprise=question.enterprise,
                service=question.service,
                reason=reason,
            )


@endpoint
def access_evaluation(request: HttpRequest, caller: Caller, body: dict[str, Any]) -> JsonResponse:
    """May this person use this online service for this enterprise? (AuthZEN §6)"""
    questions = [requests.evaluation(body)]
    answers = _decide(caller, questions)
    _given(caller, questions, answers)
    return _json(answers[0].as_json())


@endpoint
def access_evaluations(request: HttpRequest, caller: Caller, body: dict[str, Any]) -> JsonResponse:
    """Several evaluations in one request, with defaults and a semantic (AuthZEN §7)."""
    asked = requests.evaluations(body)
    answers = _decide(caller, asked.questions)
    if asked.single:
        _given(caller, asked.questions, answers)
        return _json(answers[0].as_json())
    answers = _short_circuited(answers, asked.semantic)
    _given(caller, asked.questions, answers)
    return _json({"evaluations": [answer.as_json() for answer in answers]})


def _short_circuited(answers: list[evaluation.Answer], semantic: str) -> list[evaluation.Answer]:
    """The answers up to and including the first denial (deny_on_first_deny) or the first permit
    (permit_on_first_permit); all of them otherwise, or when none stops the run (AuthZEN §7.1.2)."""
    stop_at = {"deny_on_first_deny": False, "permit_on_first_permit": True}.get(semantic)
    if stop_at is None:
        return answers
    for index, answer in enumerate(answers):
        if answer.decision is stop_at:
            return answers[: index + 1]
    return answers


@endpoint
def search_resource(request: HttpRequest, caller: Caller, body: dict[str, Any]) -> JsonResponse:
    """The enterprises for which this person may use this online service (AuthZEN §8.5), a page at
    a time (AuthZEN §8.2)."""
    search = requests.search(body)
    known = _known(caller, [search.subject], [], {search.service})
    query = json.dumps({"client": caller.client.pk, **search.fingerprint}, sort_keys=True, ensure_ascii=True)
    fingerprint = hashlib.sha256(query.encode()).hexdigest()
    after = _page_start(search.token, fingerprint)
    person_id = known.people.get(search.subject)
    found, next_after = (
        evaluation.search_page(person_id, search.service, after, search.limit) if person_id else ([], None)
    )
    next_token = ""
    if next_after is not None:
        next_token = signing.dumps({"after": next_after, "query": fingerprint}, salt=PAGE_TOKEN_SALT)
    return _json(
        {
            "page": {"next_token": next_token, "count": len(found)},
            "results": [{"type": requests.ENTERPRISE, "id": number} for number in found],
        }
    )


def _page_start(token: str, fingerprint: str) -> str:
    """The enterprise number after which a page starts: none for the first page, else the one in
    the token, which must come from an answer of the portal to this very query."""
    if not token:
        return ""
    try:
        page = signing.loads(token, salt=PAGE_TOKEN_SALT)
    except signing.BadSignature as exc:
        raise Malformed("page.token is not a next_token of the portal.") from exc
    if not isinstance(page, dict) or page.get("query") != fingerprint or not isinstance(page.get("after"), str):
        raise Malformed("page.token belongs to another query: a later page repeats the first page's request.")
    return page["after"]


def _read_only(request: HttpRequest) -> HttpResponse | None:
    """The 405 of a public document to anything but GET and HEAD."""
    if request.method in ("GET", "HEAD"):
        return None
    response = _error(405, "method_not_allowed", "Only GET is allowed here.")
    response["Allow"] = "GET, HEAD"
    return response


# Public documents: no session, no form, so no CSRF check (without the exemption a POST would get
# the CSRF failure page, not the 405 in JSON).
@csrf_exempt
def configuration(request: HttpRequest) -> HttpResponse:
    """The Policy Decision Point's metadata (AuthZEN §9), public."""
    if refused := _read_only(request):
        return refused
    base = f"{request.scheme}://{request.get_host()}"
    response = JsonResponse(
        {
            "policy_decision_point": base,
            "access_evaluation_endpoint": base + reverse("decisions:access_evaluation"),
            "access_evaluations_endpoint": base + reverse("decisions:access_evaluations"),
            "search_resource_endpoint": base + reverse("decisions:search_resource"),
        }
    )
    response["Cache-Control"] = "max-age=3600"
    return response


@cache
def _openapi() -> dict[str, Any]:
    with OPENAPI.open(encoding="utf-8") as document:
        return json.load(document)


@csrf_exempt
def openapi(request: HttpRequest) -> HttpResponse:
    """The API in OpenAPI 3.1, public like the metadata: the document of the repository, with the
    scopes of the catalogue as it stands (one per online service, `service:<code>`)."""
    if refused := _read_only(request):
        return refused
    document = copy.deepcopy(_openapi())
    flow = document["components"]["securitySchemes"]["client_credentials"]["flows"]["clientCredentials"]
    flow["scopes"] = ServiceScopes().get_all_scopes()
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "max-age=3600"
    return response


_toolkit_token = TokenView.as_view()


def _token_error(status: int, error: str, description: str) -> JsonResponse:
    """An error of the token endpoint in the shape of RFC 6749 §5.2."""
    return _json({"error": error, "error_description": description}, status=status)


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    """The token endpoint: the toolkit's (client credentials only), behind the rate limits, and
    refusing a client named twice differently (in HTTP Basic and in the body)."""
    if request.method == "POST":
        wait = limits.token_request_wait(request)
        if wait:
            response = _token_error(
                429,
                "temporarily_unavailable",
                f"Too many token requests from this address or for this client; ask again in {wait} seconds.",
            )
            response["Retry-After"] = str(wait)
            return response
        named = limits.basic_client_id(request), str(request.POST.get("client_id") or "")
        if all(named) and named[0] != named[1]:
            return _token_error(400, "invalid_request", "The client is named twice, differently.")
    return _toolkit_token(request)


# Where an error of the portal is answered in JSON rather than with the 500 page.
API_PREFIX = "/access/v1/"
API_DOCUMENTS = ("/.well-known/authzen-configuration",)
TOKEN_PATH = "/oauth/token/"  # noqa: S105 - an address, not a secret


def answers_in_json(request: HttpRequest) -> bool:
    path = request.path_info
    return path.startswith(API_PREFIX) or path in API_DOCUMENTS or path == TOKEN_PATH


def server_error(request: HttpRequest) -> HttpResponse:
    """A failure of the portal on the decision point's addresses: JSON, with the id of the request
    in the portal's log (the PEP's own id, when usable, is echoed in X-Request-ID as on any answer).
    It reads nothing from the database, which may be what failed."""
    request_id = str(getattr(request, "request_id", ""))
    message = "The portal could not answer. Quote the request id to its helpdesk."
    if request.path_info == TOKEN_PATH:
        response = _json({"error": "server_error", "error_description": message, "request_id": request_id}, status=500)
    else:
        response = _json(
            {"error": {"status": 500, "code": "server_error", "message": message, "request_id": request_id}},
            status=500,
        )
    pep_request_id = request.headers.get("X-Request-ID", "")
    if REQUEST_ID.fullmatch(pep_request_id):
        response["X-Request-ID"] = pep_request_id
    return response
