"""SCIM filters (RFC 7644 §3.4.2.2) as conditions on the querysets of `selectors`.

The portal filters on few attributes, with few operators: `eq`, `co`, `sw` and `ew` on strings,
`eq` on booleans and ids, `pr` where an attribute may be absent, and `and` between them. Anything
else (`or`, `not`, `ne`, the ordering operators, another attribute) is refused with the SCIM error
`invalidFilter`, which never repeats what the filter said: a filter may carry personal data.

The national register number is filtered on (with `eq` only) in the body of a POST to
/Users/.search, never in an address (docs/provisioning.md §5).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from scim2_models import InvalidFilterException
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Present,
    ScimFilter,
    ValuePath,
)

from access.identifiers import parse_niss
from access.selectors import current_memberships
from provisioning import resources

MAX_LENGTH = 1_000  # characters of a filter
TEXT_LOOKUPS = {
    CompareOperator.eq: "exact",
    CompareOperator.co: "contains",
    CompareOperator.sw: "startswith",
    CompareOperator.ew: "endswith",
}
ID = re.compile(r"[0-9]{1,18}")
COLUMN = re.compile(r"at column ([0-9]+)")


def storable(value: Any) -> bool:
    """Whether a value (a JSON value, its names included) holds only text the database keeps: no
    NUL character, no lone surrogate (a JSON escape may make either)."""
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= character <= "\udfff" for character in value)
    if isinstance(value, dict):
        return all(storable(key) and storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(storable(item) for item in value)
    return True


def refused(detail: str) -> InvalidFilterException:
    return InvalidFilterException(detail=detail)


class UnknownAttribute(InvalidFilterException):
    """The filter names an attribute this kind of resource is not filtered on. A search across
    Users and Groups reads it as false for that kind (RFC 7644 §3.4.2.1)."""


@dataclass(frozen=True)
class Attribute:
    """An attribute one may filter on: how each operator becomes a condition."""

    condition: Callable[[CompareOperator, Any], Q]
    operators: frozenset[CompareOperator]
    present: Q | None = None  # the condition of `pr`, where the attribute may be absent
    body_only: bool = False  # personal data: never in an address


def text(field: str, *, case_exact: bool, present: Q | None = None) -> Attribute:
    def condition(operator: CompareOperator, value: Any) -> Q:
        if not isinstance(value, str):
            raise refused("This attribute is compared with a string.")
        if not storable(value):
            raise refused("A value of a filter holds a NUL character or a lone surrogate.")
        lookup = TEXT_LOOKUPS[operator]
        return Q(**{f"{field}__{lookup if case_exact else 'i' + lookup}": value})

    return Attribute(condition, frozenset(TEXT_LOOKUPS), present)


def identifier(field: str = "pk") -> Attribute:
    def condition(operator: CompareOperator, value: Any) -> Q:
        if not isinstance(value, str):
            raise refused("An id is compared with a string.")
        return Q(**{field: int(value)}) if ID.fullmatch(value) else Q(pk__in=[])

    return Attribute(condition, frozenset({CompareOperator.eq}))


def _active(operator: CompareOperator, value: Any) -> Q:
    if not isinstance(value, bool):
        raise refused("active is compared with true or false.")
    return Q(blocked_everywhere=not value)


def _niss(operator: CompareOperator, value: Any) -> Q:
    if not isinstance(value, str):
        raise refused("The national register number is compared with a string of 11 digits.")
    try:
        return Q(niss=parse_niss(value))
    except ValidationError:
        raise refused(
            "The national register number in this filter is not valid (its length or its check digits)."
        ) from None


def _member(operator: CompareOperator, value: Any) -> Q:
    if not isinstance(value, str):
        raise refused("A member is named by the id of a User, a string.")
    if not ID.fullmatch(value):
        return Q(pk__in=[])
    return Q(Exists(current_memberships().filter(group=OuterRef("pk"), person_id=int(value))))


EQ = frozenset({CompareOperator.eq})
USER_ATTRIBUTES: dict[str, Attribute] = {
    "id": identifier(),
    "username": text("user_name", case_exact=False, present=Q()),
    "externalid": text(
        "record_external_id",
        case_exact=True,
        present=Q(record_external_id__isnull=False) & ~Q(record_external_id=""),
    ),
    "name.givenname": text("scim_given_name", case_exact=False, present=Q(scim_given_name__gt="")),
    "name.familyname": text("scim_surname", case_exact=False, present=Q(scim_surname__gt="")),
    "active": Attribute(_active, EQ, present=Q()),
    f"{resources.PERSON_SCHEMA.lower()}:nationalregisternumber": Attribute(_niss, EQ, body_only=True),
}
GROUP_ATTRIBUTES: dict[str, Attribute] = {
    "id": identifier(),
    "displayname": text("role_type__names__en", case_exact=False, present=Q()),
    "members.value": Attribute(_member, EQ),
    "members": Attribute(_member, EQ),  # members[value eq "…"]
}
SUPPORTED = {
    "User": "id, userName, externalId, name.givenName, name.familyName, active",
    "Group": "id, displayName, members.value",
}


def _name(path: AttrPath, core_schema: str) -> str:
    name = path.attr.lower() + (f".{path.sub_attr.lower()}" if path.sub_attr else "")
    if path.uri is None or path.uri.lower() == core_schema.lower():
        return name
    return f"{path.uri.lower()}:{name}"


class _Translator:
    def __init__(self, kind: str, *, in_body: bool) -> None:
        self.kind = kind
        self.attributes = USER_ATTRIBUTES if kind == "User" else GROUP_ATTRIBUTES
        self.core_schema = resources.USER_SCHEMA if kind == "User" else resources.GROUP_SCHEMA
        self.in_body = in_body

    def attribute(self, path: AttrPath) -> Attribute:
        found = self.attributes.get(_name(path, self.core_schema))
        if found is None:
            raise UnknownAttribute(detail=f"The portal filters {self.kind}s on {SUPPORTED[self.kind]} only.")
        if found.body_only and not self.in_body:
            raise refused(
                "The national register number is never put in an address: "
                "search for it in the body of a POST to /Users/.search."
            )
        return found

    def visit(self, node: FilterNode) -> Q:
        if isinstance(node, LogicalExpr):
            if node.op != LogicalOperator.and_:
                raise refused("The portal joins conditions with and only (not or).")
            condition = Q()
            for term in node.terms:
                condition &= self.visit(term)
            return condition
        if isinstance(node, Comparison):
            attribute = self.attribute(node.attr_path)
            if node.op not in attribute.operators:
                operators = ", ".join(sorted(operator.value for operator in attribute.operators))
                raise refused(f"This attribute is compared with {operators} only.")
            return attribute.condition(node.op, node.value)
        if isinstance(node, Present):
            attribute = self.attribute(node.attr_path)
            if attribute.present is None:
                raise refused("This attribute cannot be tested with pr.")
            return attribute.present
        if isinstance(node, ValuePath):
            inner = node.val_filter
            if (
                self.kind == "Group"
                and node.attr_path.attr.lower() == "members"
                and node.attr_path.sub_attr is None
                and node.sub_attr is None
                and isinstance(inner, Comparison)
                and inner.attr_path.attr.lower() == "value"
                and inner.attr_path.sub_attr is None
                and inner.op == CompareOperator.eq
            ):
                return _member(inner.op, inner.value)
            raise refused('The portal selects values only as members[value eq "<id of a User>"].')
        raise refused("The portal does not filter with not.")


def condition(kind: str, expression: str, *, in_body: bool = False) -> Q:
    """The condition a filter sets on `selectors.users_in_scope` (kind "User") or
    `selectors.groups_in_scope` ("Group"); InvalidFilterException when the portal cannot take it."""
    if len(expression) > MAX_LENGTH:
        raise refused(f"A filter has {MAX_LENGTH} characters at most.")
    try:
        tree = ScimFilter(expression).ast
    except InvalidFilterException as exc:
        column = COLUMN.search(exc.detail)
        where = f" at column {column.group(1)}" if column else ""
        raise refused(f"The filter is not in the syntax of RFC 7644 §3.4.2.2{where}.") from None
    return _Translator(kind, in_body=in_body).visit(tree)
