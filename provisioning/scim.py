"""The SCIM 2.0 endpoints (RFC 7644) under /scim/v2/, for the bearer of a provisioning token
(docs/provisioning.md §3).

The token names the enterprise: the addresses carry no enterprise, and nothing of another
enterprise can be named in them. A request goes: the address (404), the method (405), the size of
the body (413, before anything is read), the token (429, 401, 403), the body (400), then the
answer. Every answer is application/scim+json, an error in the SCIM format (RFC 7644 §3.12) with
a detail in English that never repeats a national register number or a filter.
"""

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Union

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    ForbiddenException,
    InvalidSyntaxException,
    InvalidValueException,
    NotFoundException,
    PatchOp,
    PayloadTooLargeException,
    Resource,
    ResponseParameters,
    SCIMException,
    ScimPolicy,
)

from access.services import ActionRefused, AwaitsApproval, held_record
from provisioning import authentication, filters, resources, selectors, services
from provisioning.authentication import Caller, Powerless, TooManyFailures, Unauthenticated

CONTENT_TYPE = "application/scim+json"
ACCEPTED_TYPES = ("application/scim+json", "application/json")
REALM = "scim"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
OPENAPI = Path(__file__).resolve().parent / "openapi.json"
# Attributes the portal does not keep are left out of what a client sends, not refused: an HR
# system sends what it has (RFC 7644 §3.3 lets a service provider ignore them).
POLICY = ScimPolicy(unknown=ScimPolicy.Unknown.ignore)
WRITES = ("POST", "PUT", "PATCH")

Handler = Callable[..., HttpResponse]


def _scim(data: dict[str, Any] | None, status: int = 200, **headers: str) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False) if data is not None else ""
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    # Users name people: no cache keeps them.
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def error(status: int, detail: str, scim_type: str | None = None, **headers: str) -> HttpResponse:
    body = Error(status=status, scim_type=scim_type, detail=detail).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return _scim(body, status, **headers)


def _from_exception(exc: SCIMException) -> HttpResponse:
    return error(exc.status, exc.detail, exc.scim_type or None)


def _from_validation(exc: ValidationError) -> HttpResponse:
    """The first error of a payload that does not fit the schema (the detail names the attribute
    and the problem, never the value)."""
    first = Error.from_validation_errors(exc)[0]
    return error(int(first.status or 400), first.detail or "The payload is not valid.", first.scim_type)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("scim:root")).rstrip("/")


# --- The shape of every endpoint --------------------------------------------------------------------


# The query parameters of RFC 7644 §3.4.2 and §3.9 that an address takes; sorting is not offered, and
# sortBy and sortOrder are read and ignored (ServiceProviderConfig says so).
ONE = ("attributes", "excludedAttributes")
LIST = ("filter", "startIndex", "count", "sortBy", "sortOrder", *ONE)


def endpoint(
    *methods: str, authenticated: bool = True, query: tuple[str, ...] = ()
) -> Callable[[Handler], Callable[..., HttpResponse]]:
    """An endpoint of the SCIM API for these methods, taking these query parameters and no other;
    the handler takes the request, the caller (when `authenticated`) and the address's arguments."""

    def decorate(handler: Handler) -> Callable[..., HttpResponse]:
        @csrf_exempt
        def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            with translation.override("en"):
                return _serve(request, handler, methods, authenticated, query, kwargs)

        view.__name__ = handler.__name__
        view.__doc__ = handler.__doc__
        return view

    return decorate


def _serve(
    request: HttpRequest,
    handler: Handler,
    methods: tuple[str, ...],
    authenticated: bool,
    query: tuple[str, ...],
    kwargs: dict[str, Any],
) -> HttpResponse:
    if request.method not in methods:
        return error(405, f"Only {', '.join(methods)} here.", Allow=", ".join(methods))
    length = request.META.get("CONTENT_LENGTH") or "0"
    if request.method in WRITES and (not length.isdigit() or int(length) > settings.SCIM_MAX_BODY_BYTES):
        return error(413, f"A request body has {settings.SCIM_MAX_BODY_BYTES} bytes at most.")
    try:
        if not authenticated:
            return handler(request, **kwargs)
        caller = authentication.caller_of(request)
        if set(request.GET) - set(query):
            taken = ", ".join(query) or "none"
            raise InvalidValueException(detail=f"A query parameter this address does not take (it takes: {taken}).")
        return handler(request, caller, **kwargs)
    except TooManyFailures as exc:
        return error(429, str(exc), Retry_After=str(exc.wait))
    except Unauthenticated as exc:
        return error(401, str(exc), WWW_Authenticate=f'Bearer realm="{REALM}"')
    except Powerless as exc:
        return error(403, str(exc))
    except AwaitsApproval as exc:
        # Past the threshold of people blocked or deleted within the hour: nothing is done, the
        # request waits for a second manager on the portal's pages (docs/decisions.md §18).
        waiting = held_record(exc.held)
        return error(403, f"{exc.message} Nothing was done: request no. {waiting.pk} waits on the portal's pages.")
    except PermissionDenied as exc:
        # The policy's reason, as the pages give it.
        return error(403, str(exc))
    except ActionRefused as exc:
        return error(409, str(exc.message))
    except ValidationError as exc:
        return _from_validation(exc)
    except SCIMException as exc:
        return _from_exception(exc)


def _json(request: HttpRequest) -> dict[str, Any]:
    """The body as a JSON object, read as I-JSON: UTF-8, no name twice, finite numbers."""
    if request.content_type not in ACCEPTED_TYPES:
        raise InvalidSyntaxException(detail="The body must be JSON, sent as application/scim+json.")
    if (request.content_params or {}).get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        raise InvalidSyntaxException(detail="The body must be encoded in UTF-8.")
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise PayloadTooLargeException(detail="The body is too large.") from exc
    try:
        data = json.loads(raw.decode("utf-8"), object_pairs_hook=_object, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise InvalidSyntaxException(detail="The body is not a valid JSON text.") from None
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="The body must be a JSON object.")
    if not filters.storable(data):
        raise InvalidValueException(
            detail="The body holds a NUL character or a lone surrogate, which no attribute takes."
        )
    return data


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError("a name appears twice in one object")
        result[name] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError("not a JSON number")


# --- Reading what is asked --------------------------------------------------------------------------


def _integer(value: str | int | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidValueException(detail=f"{name} is an integer.")
    text = str(value).strip()
    if not text.lstrip("-").isascii() or not text.lstrip("-").isdigit() or len(text) > 30:
        raise InvalidValueException(detail=f"{name} is an integer.")
    return int(text)


def _page(start_index: Any, count: Any) -> tuple[int, int]:
    """RFC 7644 §3.4.2.4: startIndex under 1 is 1; count under 0 is 0, above the maximum the
    maximum."""
    start = _integer(start_index, "startIndex")
    wanted = _integer(count, "count")
    start = 1 if start is None or start < 1 else start
    wanted = resources.DEFAULT_COUNT if wanted is None else min(max(wanted, 0), resources.MAX_RESULTS)
    return start, wanted


def _parameters(model: Any, asked: Any) -> ResponseParameters[Any] | None:
    """The attributes and excludedAttributes asked for (RFC 7644 §3.9)."""
    attributes, excluded = asked.get("attributes"), asked.get("excludedAttributes")
    if not attributes and not excluded:
        return None
    return ResponseParameters[model].model_validate(
        {"attributes": attributes or None, "excluded_attributes": excluded or None}
    )


def _dump(resource: Resource[Any], parameters: ResponseParameters[Any] | None) -> dict[str, Any]:
    return resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=parameters)


Answer = tuple[Resource[Any], dict[str, Any]]  # a resource, and its full representation


def _user_answer(caller: Caller, person: Any, base: str) -> Answer:
    resource, meta = resources.user_resource(person, base)
    return resource, resources.finished(resource, meta)


def _group_answer(caller: Caller, group: Any, base: str, *, members: bool = True) -> Answer:
    rows = None if members else selectors.member_rows(group)
    resource, meta = resources.group_resource(group, base, services.grantable_services(group), without_members=rows)
    return resource, resources.finished(resource, meta)


def _members_asked(asked: Any) -> bool:
    """Whether the client reads a Group's members or their grants: not when it leaves both out
    (excludedAttributes), nor when the attributes it asks for name neither (RFC 7644 §3.9). A
    group of ten thousand members is then read without them."""

    def names(parameter: str) -> set[str]:
        listed = str(asked.get(parameter) or "").lower().split(",")
        return {name.strip().removeprefix(resources.GROUP_SCHEMA.lower() + ":") for name in listed} - {""}

    excluded, attributes = names("excludedAttributes"), names("attributes")
    if {"members"} & excluded and {GRANTS, resources.PERMISSIONS_SCHEMA.lower()} & excluded:
        return False
    return not attributes or any(
        "members" in name or name.startswith(resources.PERMISSIONS_SCHEMA.lower()) for name in attributes
    )


def _one(
    request: HttpRequest, resource: Resource[Any], representation: dict[str, Any], status: int = 200
) -> HttpResponse:
    """One resource: all of it, or the attributes the client asked for."""
    parameters = _parameters(type(resource), request.GET)
    headers = {"ETag": representation["meta"]["version"]}
    if status == 201:
        headers["Location"] = representation["meta"]["location"]
    return _scim(representation if parameters is None else _dump(resource, parameters), status, **headers)


def _found(caller: Caller, kind: str, *, members: bool = True) -> QuerySet[Any]:
    if kind == "User":
        return selectors.users_in_scope(caller.actor)
    return selectors.groups_in_scope(caller.actor, members=members)


def _list(
    request: HttpRequest,
    caller: Caller,
    kinds: tuple[str, ...],
    asked: dict[str, Any],
    *,
    in_body: bool,
) -> HttpResponse:
    """A page of Users, of Groups, or of both (a search at the root): filtered, counted, and paged
    (RFC 7644 §3.4.2). Across both, a filter naming an attribute of one kind only is false for
    the other (§3.4.2.1)."""
    models = tuple(resources.RESOURCES[kind] for kind in kinds)
    start, count = _page(asked.get("startIndex"), asked.get("count"))
    parameters = _parameters(models[0] if len(models) == 1 else Union[models], asked)  # noqa: UP007
    members = _members_asked(asked)
    expression = asked.get("filter")
    if expression is not None and not isinstance(expression, str):
        raise InvalidValueException(detail="filter is a string.")
    found: list[tuple[str, QuerySet[Any]]] = []
    unknown: list[filters.UnknownAttribute] = []
    for kind in kinds:
        queryset = _found(caller, kind, members=members)
        if expression:
            try:
                queryset = queryset.filter(filters.condition(kind, expression, in_body=in_body))
            except filters.UnknownAttribute as exc:
                unknown.append(exc)
                continue
        found.append((kind, queryset))
    if not found:
        raise unknown[0]
    totals = [queryset.count() for _kind, queryset in found]
    start = min(start, sum(totals) + 1)
    base = _base(request)
    page: list[Answer] = []
    skip, wanted = start - 1, count
    for (kind, queryset), total in zip(found, totals, strict=True):
        if skip >= total:
            skip -= total
            continue
        items = _page_of(queryset, skip, wanted)
        if kind == "User":
            page += [_user_answer(caller, item, base) for item in items]
        else:
            page += [_group_answer(caller, item, base, members=members) for item in items]
        skip, wanted = 0, wanted - len(items)
    return _scim(
        {
            "schemas": [resources.LIST_SCHEMA],
            "totalResults": sum(totals),
            "startIndex": start,
            "itemsPerPage": len(page),
            "Resources": [
                representation if parameters is None else _dump(resource, parameters)
                for resource, representation in page
            ],
        }
    )


def _page_of(queryset: QuerySet[Any], skip: int, wanted: int) -> list[Any]:
    """The page's resources: their ids first, paged on the filter alone, then the page itself
    with all it carries. Read in one query, the rows skipped would each pay for what a resource
    carries (its journal's first and last events), and a late page of a large enterprise took
    seconds (docs/benchmarks.md)."""
    if not wanted:
        return []
    ids = list(queryset.values_list("pk", flat=True)[skip : skip + wanted])
    return list(queryset.filter(pk__in=ids)) if ids else []


def _search_request(request: HttpRequest) -> dict[str, Any]:
    body = _json(request)
    _asserts(body, SEARCH_REQUEST)
    for name in ("attributes", "excludedAttributes"):
        value = body.get(name)
        if value is not None and not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
            raise InvalidValueException(detail=f"{name} is a list of attribute names.")
        if value:
            body[name] = ",".join(value)
    return body


def _asserts(body: dict[str, Any], schema: str) -> None:
    """A request names the schema of what it is (RFC 7643 §3: schemas is required)."""
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or schema not in schemas:
        raise InvalidSyntaxException(detail=f"The body's schemas must name {schema}.")


def _validated[R: Resource[Any]](model: type[R], body: dict[str, Any], context: Context) -> R:
    _asserts(body, str(model.__schema__))
    return model.model_validate(body, scim_ctx=context, scim_policy=POLICY)


def _patch[R: Resource[Any]](model: type[R], body: dict[str, Any]) -> Callable[[R], R]:
    """What a PATCH (RFC 7644 §3.5.2) makes of a resource, its paths read by scim2-models."""
    _asserts(body, PATCH_OP)
    patch = PatchOp[model].model_validate(  # type: ignore[valid-type]
        body, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )

    def change(resource: R) -> R:
        patch.patch(resource, scim_policy=POLICY)
        return resource

    return change


GRANTS = f"{resources.PERMISSIONS_SCHEMA}:grants".lower()
ONE_MEMBER = re.compile(r'members\[value eq "([^"]+)"\]', re.IGNORECASE)
ONE_GRANT = re.compile(rf'{re.escape(GRANTS)}\[value eq "([^"]+)" and service eq "([^"]+)"\]', re.IGNORECASE)

Members = dict[str, set[str]]  # the members of a group by User id, each with the codes of their services


def _members_only(body: dict[str, Any]) -> Callable[[Members], Members | None] | None:
    """A PATCH of a Group that only adds and removes members and grants, in the forms HR systems
    send, as a change of its members' services (`services.group_change`); None for any other. The
    change answers None where an operation finds nothing to act on (a grant to someone who is not
    a member, a member who is not there), and the whole resource then decides the error."""
    steps: list[tuple[str, Any]] = []
    for operation in body.get("Operations") or []:
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            return None
        op, path, value = str(operation.get("op", "")).lower(), operation["path"].strip(), operation.get("value")
        items: list[Any] = value if isinstance(value, list) else []
        listed = bool(items) and all(isinstance(item, dict) for item in items)
        if listed and path.lower() == "members" and op in ("add", "remove"):
            if not all(set(item) == {"value"} and isinstance(item["value"], str) for item in items):
                return None
            steps.append(("join" if op == "add" else "leave", [item["value"] for item in items]))
        elif listed and path.lower() == GRANTS and op == "add":
            named = all(set(item) == {"value", "service"} for item in items)
            if not named or not all(isinstance(v, str) for item in items for v in item.values()):
                return None
            steps.append(("grant", [(item["value"], item["service"]) for item in items]))
        elif op == "remove" and value is None and (found := ONE_MEMBER.fullmatch(path)):
            steps.append(("leave", [found[1]]))
        elif op == "remove" and value is None and (found := ONE_GRANT.fullmatch(path)):
            steps.append(("revoke", [(found[1], found[2])]))
        else:
            return None

    def change(members: Members) -> Members | None:
        for kind, things in steps:
            for item in things:
                if kind == "join":
                    members.setdefault(item, set())
                elif kind == "leave" and item in members:
                    del members[item]
                elif kind == "grant" and item[0] in members:
                    members[item[0]].add(item[1])
                elif kind == "revoke" and item[1] in members.get(item[0], ()):
                    members[item[0]].discard(item[1])
                else:
                    return None
        return members

    return change


def _replacement[R: Resource[Any]](model: type[R], body: dict[str, Any]) -> Callable[[R], R]:
    """What a PUT (RFC 7644 §3.5.1) makes of a resource: the body, with what is read-only kept and
    what is immutable checked."""
    wanted = _validated(model, body, Context.RESOURCE_REPLACEMENT_REQUEST)

    def change(resource: R) -> R:
        wanted.replace(resource)
        return wanted

    return change


# --- Discovery (RFC 7644 §4) --------------------------------------------------------------------------


@cache
def _schemas() -> list[dict[str, Any]]:
    return [schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE) for schema in resources.schemas()]


def _listed(items: list[dict[str, Any]]) -> HttpResponse:
    return _scim(
        {
            "schemas": [resources.LIST_SCHEMA],
            "totalResults": len(items),
            "startIndex": 1,
            "itemsPerPage": len(items),
            "Resources": items,
        }
    )


def _with_location(item: dict[str, Any], request: HttpRequest, path: str) -> dict[str, Any]:
    return {**item, "meta": {"resourceType": item["schemas"][0].rsplit(":", 1)[-1], "location": _base(request) + path}}


@endpoint("GET")
def service_provider_config(request: HttpRequest, caller: Caller) -> HttpResponse:
    """What the portal's SCIM service does (RFC 7644 §4)."""
    config = resources.service_provider_config(
        request.build_absolute_uri(reverse("scim:openapi")), settings.SCIM_MAX_BODY_BYTES
    )
    body = config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return _scim(_with_location(body, request, "/ServiceProviderConfig"))


@endpoint("GET")
def resource_types(request: HttpRequest, caller: Caller) -> HttpResponse:
    items = [item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE) for item in resources.resource_types()]
    return _listed([_with_location(item, request, f"/ResourceTypes/{item['id']}") for item in items])


@endpoint("GET")
def resource_type(request: HttpRequest, caller: Caller, name: str) -> HttpResponse:
    for item in resources.resource_types():
        if item.id == name:
            body = item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
            return _scim(_with_location(body, request, f"/ResourceTypes/{name}"))
    raise NotFoundException(detail="No such resource type.")


@endpoint("GET")
def schemas(request: HttpRequest, caller: Caller) -> HttpResponse:
    return _listed([_with_location(item, request, f"/Schemas/{item['id']}") for item in _schemas()])


@endpoint("GET")
def schema(request: HttpRequest, caller: Caller, urn: str) -> HttpResponse:
    for item in _schemas():
        if item["id"] == urn:
            return _scim(_with_location(item, request, f"/Schemas/{urn}"))
    raise NotFoundException(detail="No such schema.")


# --- Users ----------------------------------------------------------------------------------------------


@endpoint("GET", "POST", query=LIST)
def users(request: HttpRequest, caller: Caller) -> HttpResponse:
    """The Users the token sees (GET), or a new one (POST, RFC 7644 §3.3)."""
    if request.method == "GET":
        return _list(request, caller, ("User",), request.GET.dict(), in_body=False)
    body = _json(request)
    # An HR system that does not say otherwise provisions an active person.
    body.setdefault("active", True)
    wanted = _validated(resources.UserResource, body, Context.RESOURCE_CREATION_REQUEST)
    user_id = services.user_create(caller.actor, wanted)
    return _one(request, *_user_answer(caller, _found_user(caller, user_id), _base(request)), status=201)


def _found_user(caller: Caller, user_id: str) -> Any:
    person = selectors.user_in_scope(caller.actor, user_id)
    if person is None:
        raise NotFoundException(detail="No such User.")
    return person


def _if_match(request: HttpRequest) -> str | None:
    return request.headers.get("If-Match")


@endpoint("GET", "PUT", "PATCH", "DELETE", query=ONE)
def user(request: HttpRequest, caller: Caller, user_id: str) -> HttpResponse:
    """One User: read, replaced (PUT), changed (PATCH) or let go (DELETE)."""
    if request.method == "DELETE":
        services.user_remove(caller.actor, user_id, if_match=_if_match(request))
        return _scim(None, 204)
    if request.method == "PUT":
        change = _replacement(resources.UserResource, _json(request))
        services.user_change(caller.actor, user_id, change, if_match=_if_match(request))
    elif request.method == "PATCH":
        change = _patch(resources.UserResource, _json(request))
        services.user_change(caller.actor, user_id, change, if_match=_if_match(request))
    return _one(request, *_user_answer(caller, _found_user(caller, user_id), _base(request)))


@endpoint("POST")
def users_search(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Users found by a filter in the body (RFC 7644 §3.4.3): the one way to look for a national
    register number."""
    return _list(request, caller, ("User",), _search_request(request), in_body=True)


# --- Groups ---------------------------------------------------------------------------------------------

GROUPS_COME_FROM_THE_REGISTER = (
    "Groups come from the enterprise register: they are not created or deleted through provisioning."
)


def _found_group(caller: Caller, group_id: str, *, members: bool = True) -> Any:
    group = selectors.group_in_scope(caller.actor, group_id, members=members)
    if group is None:
        raise NotFoundException(detail="No such Group.")
    return group


@endpoint("GET", "POST", query=LIST)
def groups(request: HttpRequest, caller: Caller) -> HttpResponse:
    if request.method == "POST":
        raise ForbiddenException(detail=GROUPS_COME_FROM_THE_REGISTER)
    return _list(request, caller, ("Group",), request.GET.dict(), in_body=False)


@endpoint("GET", "PUT", "PATCH", "DELETE", query=ONE)
def group(request: HttpRequest, caller: Caller, group_id: str) -> HttpResponse:
    """One Group: read, its members and their services replaced (PUT) or changed (PATCH)."""
    if request.method == "DELETE":
        _found_group(caller, group_id, members=False)
        raise ForbiddenException(detail=GROUPS_COME_FROM_THE_REGISTER)
    if request.method == "PUT":
        change = _replacement(resources.GroupResource, _json(request))
        services.group_change(caller.actor, group_id, change, if_match=_if_match(request))
    elif request.method == "PATCH":
        body = _json(request)
        change = _patch(resources.GroupResource, body)
        services.group_change(
            caller.actor, group_id, change, if_match=_if_match(request), members_only=_members_only(body)
        )
    members = _members_asked(request.GET)
    found = _found_group(caller, group_id, members=members)
    return _one(request, *_group_answer(caller, found, _base(request), members=members))


@endpoint("POST")
def groups_search(request: HttpRequest, caller: Caller) -> HttpResponse:
    return _list(request, caller, ("Group",), _search_request(request), in_body=True)


@endpoint("POST")
def root_search(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Users and Groups found by a filter in the body (RFC 7644 §3.4.3), Users first."""
    return _list(request, caller, ("User", "Group"), _search_request(request), in_body=True)


@endpoint("GET", "POST", "PUT", "PATCH", "DELETE", authenticated=False)
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other address under /scim/v2/."""
    raise NotFoundException(detail="No such endpoint.")


# --- The API in OpenAPI 3.1 ----------------------------------------------------------------------------


@cache
def _openapi() -> str:
    return OPENAPI.read_text(encoding="utf-8")


@csrf_exempt
def openapi(request: HttpRequest) -> HttpResponse:
    """The SCIM API in OpenAPI 3.1, public (docs/provisioning.md §7)."""
    if request.method not in ("GET", "HEAD"):
        response = error(405, "Only GET here.", Allow="GET, HEAD")
        return response
    response = HttpResponse(_openapi(), content_type="application/json")
    response["Cache-Control"] = "max-age=3600"
    return response


# --- A failure of the portal --------------------------------------------------------------------------

SCIM_PREFIX = "/scim/v2/"


def answers_in_scim(request: HttpRequest) -> bool:
    return request.path_info.startswith(SCIM_PREFIX)


def server_error(request: HttpRequest) -> HttpResponse:
    """A failure of the portal on SCIM's addresses: a SCIM error with the id of the request in the
    portal's log, after Django has logged it. It reads nothing from the database."""
    request_id = str(getattr(request, "request_id", ""))
    with translation.override("en"):
        return error(500, f"The portal could not answer. Quote the request id {request_id} to its helpdesk.")
