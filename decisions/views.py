"""The decision point's endpoints (AuthZEN Authorization API 1.0, docs/decisions-api.md).

Every answer is JSON. A request goes: the method (405), the caller's token (401), the body (400),
the scopes of the token (403), then the decision. A denial is a 200 with `"decision": false`.
"""

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from access import services as access_services
from decisions import authentication, evaluation, requests, selectors
from decisions.authentication import Caller, Unauthenticated, caller_of
from decisions.models import scope_of
from decisions.requests import Malformed, Question, Subject

REALM = "access-decisions"
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


def _record(answers: list[evaluation.Answer]) -> None:
    """The permits given are uses of the services (docs/decisions-api.md §6)."""
    access_services.service_uses_record(answer.use for answer in answers if answer.use is not None)


@endpoint
def access_evaluation(request: HttpRequest, caller: Caller, body: dict[str, Any]) -> JsonResponse:
    """May this person use this online service for this enterprise? (AuthZEN §6)"""
    answers = _decide(caller, [requests.evaluation(body)])
    _record(answers)
    return _json(answers[0].as_json())


@endpoint
def access_evaluations(request: HttpRequest, caller: Caller, body: dict[str, Any]) -> JsonResponse:
    """Several evaluations in one request, with defaults and a semantic (AuthZEN §7)."""
    asked = requests.evaluations(body)
    answers = _decide(caller, asked.questions)
    if asked.single:
        _record(answers)
        return _json(answers[0].as_json())
    answers = _short_circuited(answers, asked.semantic)
    _record(answers)
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


def configuration(request: HttpRequest) -> HttpResponse:
    """The Policy Decision Point's metadata (AuthZEN §9), public."""
    if request.method not in ("GET", "HEAD"):
        response = _error(405, "method_not_allowed", "Only GET is allowed here.")
        response["Allow"] = "GET, HEAD"
        return response
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
