"""Reading the requests of the decision point: JSON bodies checked to the shapes of the AuthZEN
Authorization API 1.0 (docs/decisions-api.md §2). Anything malformed raises `Malformed`, which
the views answer with 400 and its message; nothing here reads the database.
"""

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest

from access.identifiers import parse_enterprise_number, parse_niss

MAX_EVALUATIONS = 100  # items in one /evaluations request
MAX_PAGE = 100  # results in one page of a search
DEFAULT_PAGE = 50
MAX_TOKEN_LENGTH = 512  # a page token of ours is far shorter

PERSON = "person"  # subject: a person, by national register number
ACCOUNT = "account"  # subject: a person without one, by the username of their portal login
ENTERPRISE = "enterprise"  # resource: an enterprise, by enterprise number
SEMANTICS = ("execute_all", "deny_on_first_deny", "permit_on_first_permit")

_DIGITS = {PERSON: re.compile(r"[0-9]{11}"), ENTERPRISE: re.compile(r"[0-9]{10}")}
# The portal's usernames are ASCII (`access.services.local_login.new_username`, `person-<id>`).
_USERNAME = re.compile(r"[A-Za-z0-9_.@+-]{1,150}")
_SERVICE_CODE = re.compile(r"[a-z0-9_-]{1,50}")


class Malformed(Exception):
    """A request the decision point cannot read: 400 with this message."""


@dataclass(frozen=True)
class Subject:
    type: str
    id: str


@dataclass(frozen=True)
class Question:
    """One access evaluation: may this subject use this online service for this enterprise?"""

    subject: Subject
    enterprise: str  # the enterprise number, 10 digits
    service: str  # the online service's code


@dataclass(frozen=True)
class Evaluations:
    questions: list[Question]
    semantic: str
    single: bool  # no `evaluations` array: answered as one evaluation (AuthZEN §7.1)


@dataclass(frozen=True)
class Search:
    subject: Subject
    service: str
    token: str
    limit: int
    fingerprint: dict[str, Any]  # what a later page must repeat (AuthZEN §8.2)


def read_json(request: HttpRequest) -> dict[str, Any]:
    """The body as a JSON object, read as I-JSON: UTF-8, no duplicate names, finite numbers."""
    if request.content_type != "application/json":
        raise Malformed("The body must be JSON, sent with Content-Type: application/json.")
    if (request.content_params or {}).get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        raise Malformed("The body must be encoded in UTF-8.")
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise Malformed("The body is too large.") from exc
    try:
        data = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_object,
            parse_constant=_no_constant,
            parse_float=_finite,
        )
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise Malformed(f"The body is not a valid JSON text: {_brief(exc)}") from exc
    if not isinstance(data, dict):
        raise Malformed("The body must be a JSON object.")
    return data


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"the name {name[:40]!r} appears twice in one object")
        result[name] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("a number is too large")
    return value


def _brief(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "it is nested too deeply."
    return str(exc)[:200]


# --- The information model (AuthZEN §5) --------------------------------------------------------


def _object_at(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        raise Malformed(f"{where} is missing.")
    if not isinstance(value, dict):
        raise Malformed(f"{where} must be an object.")
    if value.get("properties") is not None and not isinstance(value["properties"], dict):
        raise Malformed(f"{where}.properties must be an object.")
    return value


def _optional_object_at(value: Any, where: str) -> dict[str, Any]:
    return {} if value is None else _object_at(value, where)


def _string_at(obj: dict[str, Any], name: str, where: str) -> str:
    value = obj.get(name)
    if value is None:
        raise Malformed(f"{where}.{name} is missing.")
    if not isinstance(value, str):
        raise Malformed(f"{where}.{name} must be a string.")
    return value


def subject_of(value: Any, where: str = "subject") -> Subject:
    subject = _object_at(value, where)
    kind = _string_at(subject, "type", where)
    identifier = _string_at(subject, "id", where)
    if kind == PERSON:
        if not _DIGITS[PERSON].fullmatch(identifier) or not _valid(parse_niss, identifier):
            raise Malformed(f"{where}.id must be a valid national register number of 11 digits, without separators.")
    elif kind == ACCOUNT:
        if not _USERNAME.fullmatch(identifier):
            raise Malformed(f"{where}.id must be the username of a portal login.")
    else:
        raise Malformed(f"{where}.type must be {PERSON!r} or {ACCOUNT!r}.")
    return Subject(kind, identifier)


def enterprise_of(value: Any, where: str = "resource", *, with_id: bool = True) -> str:
    resource = _object_at(value, where)
    if _string_at(resource, "type", where) != ENTERPRISE:
        raise Malformed(f"{where}.type must be {ENTERPRISE!r}.")
    if not with_id:
        return ""
    number = _string_at(resource, "id", where)
    if not _DIGITS[ENTERPRISE].fullmatch(number) or not _valid(parse_enterprise_number, number):
        raise Malformed(f"{where}.id must be a valid enterprise number of 10 digits, without separators.")
    return number


def service_of(value: Any, where: str = "action") -> str:
    action = _object_at(value, where)
    name = _string_at(action, "name", where)
    if not _SERVICE_CODE.fullmatch(name):
        raise Malformed(f"{where}.name must be the code of an online service (lower-case letters, digits, _ and -).")
    return name


def _context(value: Any, where: str = "context") -> None:
    if value is not None and not isinstance(value, dict):
        raise Malformed(f"{where} must be an object.")


@functools.lru_cache(maxsize=65_536)
def _valid(parse: Any, value: str) -> bool:
    """Whether the identifier is valid in its stored form. Remembered: the checks of python-stdnum
    cost more than the rest of reading an item, and a client asks about the same people and
    enterprises again and again."""
    try:
        return parse(value) == value
    except ValidationError:
        return False


# --- The requests of each endpoint -------------------------------------------------------------


def evaluation(body: dict[str, Any]) -> Question:
    """An Access Evaluation request (AuthZEN §6.1)."""
    _context(body.get("context"))
    subject, enterprise = subject_of(body.get("subject")), enterprise_of(body.get("resource"))
    return Question(subject, enterprise, service_of(body.get("action")))


def evaluations(body: dict[str, Any]) -> Evaluations:
    """An Access Evaluations request (AuthZEN §7.1): the top-level subject, action, resource and
    context are defaults, each of which an item's own member replaces whole."""
    options = _optional_object_at(body.get("options"), "options")
    semantic = options.get("evaluations_semantic", SEMANTICS[0])
    if semantic not in SEMANTICS:
        raise Malformed(f"options.evaluations_semantic must be one of {', '.join(SEMANTICS)}.")
    items = body.get("evaluations")
    if items is None or items == []:
        return Evaluations([evaluation(body)], semantic, single=True)
    if not isinstance(items, list):
        raise Malformed("evaluations must be an array.")
    if len(items) > MAX_EVALUATIONS:
        raise Malformed(f"evaluations holds {len(items)} items; at most {MAX_EVALUATIONS} are answered at once.")
    _context(body.get("context"))
    # A default given is read even where every item replaces it: a malformed request is the PEP's
    # mistake, wherever it stands.
    subject = subject_of(body["subject"]) if body.get("subject") is not None else None
    enterprise = enterprise_of(body["resource"]) if body.get("resource") is not None else None
    service = service_of(body["action"]) if body.get("action") is not None else None
    questions = []
    for index, item in enumerate(items):
        where = f"evaluations[{index}]"
        if not isinstance(item, dict):
            raise Malformed(f"{where} must be an object.")
        _context(item.get("context"), f"{where}.context")
        questions.append(
            Question(
                _own_or(item, "subject", subject_of, subject, where),
                _own_or(item, "resource", enterprise_of, enterprise, where),
                _own_or(item, "action", service_of, service, where),
            )
        )
    return Evaluations(questions, semantic, single=False)


def _own_or[T](item: dict[str, Any], name: str, read: Callable[[Any, str], T], default: T | None, where: str) -> T:
    """An item's own member (AuthZEN §7.1.1: it replaces the default whole), else the default."""
    if item.get(name) is not None:
        return read(item[name], f"{where}.{name}")
    if default is None:
        raise Malformed(f"{where}.{name} is missing.")
    return default


def search(body: dict[str, Any]) -> Search:
    """A Resource Search request (AuthZEN §8.5): the resource's type is required, its id ignored."""
    subject = subject_of(body.get("subject"))
    service = service_of(body.get("action"))
    enterprise_of(body.get("resource"), with_id=False)
    _context(body.get("context"))
    page = _optional_object_at(body.get("page"), "page")
    token = page.get("token")
    token = "" if token is None else token
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise Malformed("page.token must be the next_token of a previous answer.")
    limit = page.get("limit")
    limit = DEFAULT_PAGE if limit is None else limit
    if isinstance(limit, float) and limit.is_integer():
        limit = int(limit)  # JSON has one kind of number: 20.0 is the whole number 20
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise Malformed("page.limit must be a whole number of 0 or more.")
    resource = {key: value for key, value in body["resource"].items() if key != "id"}
    fingerprint = {
        "subject": body["subject"],
        "action": body["action"],
        "resource": resource,
        "context": body.get("context"),
        "limit": limit,
    }
    return Search(subject, service, token, min(limit, MAX_PAGE), fingerprint)
