"""Register data entered by staff or imported from a file: enterprises, their groups, and their
legal representatives (docs/design.md §5.1)."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from access import journal
from access.identifiers import parse_enterprise_number, parse_niss
from access.models import AuditEvent, Enterprise, Group, Language, LegalRepresentative, Person, RoleType

COLUMNS = ("enterprise_number", "enterprise_name", "language", "role", "niss", "given_name", "surname", "valid_from")


def legal_representative_record(representative: LegalRepresentative, *, source: str, staff: str | None = None) -> None:
    journal.record(
        AuditEvent.Action.REPRESENTATIVE_REGISTERED,
        enterprise=representative.enterprise,
        actor=None,
        target=representative.person,
        after={"source": source, "staff": staff, "valid_from": representative.valid_from.isoformat()},
    )


@dataclass
class ImportResult:
    enterprises: int = 0
    representatives: int = 0
    errors: list[str] = field(default_factory=list)


def _clean(number: int, row: dict[str, Any], roles: set[str]) -> tuple[dict[str, Any], list[str]]:
    errors: list[str] = []
    clean: dict[str, Any] = {}
    for name, parse in (("enterprise_number", parse_enterprise_number), ("niss", parse_niss)):
        try:
            clean[name] = parse(row.get(name) or "")
        except ValidationError as exc:
            errors.append(f"line {number}: {name}: {' '.join(exc.messages)}")
    for name in ("enterprise_name", "given_name", "surname"):
        clean[name] = (row.get(name) or "").strip()
        if not clean[name]:
            errors.append(f"line {number}: {name} is empty")
    clean["language"] = (row.get("language") or "fr").strip().lower()
    if clean["language"] not in Language.values:
        errors.append(f"line {number}: language must be one of {', '.join(Language.values)}")
    clean["role"] = (row.get("role") or "").strip()
    if clean["role"] and clean["role"] not in roles:
        errors.append(f"line {number}: unknown role {clean['role']!r}")
    try:
        clean["valid_from"] = date.fromisoformat((row.get("valid_from") or "").strip() or date.today().isoformat())
    except ValueError:
        errors.append(f"line {number}: valid_from must be a date like 2026-01-31")
    return clean, errors


def register_import(rows: list[dict[str, Any]]) -> ImportResult:
    """Check every row first; import all of them, or none when one is wrong."""
    result = ImportResult()
    roles = set(RoleType.objects.values_list("code", flat=True))
    cleaned = []
    for number, row in enumerate(rows, start=2):  # line 1 holds the column names
        clean, errors = _clean(number, row, roles)
        result.errors.extend(errors)
        cleaned.append(clean)
    if result.errors:
        return result
    with transaction.atomic():
        for row in cleaned:
            enterprise, created = Enterprise.objects.get_or_create(
                number=row["enterprise_number"],
                defaults={"name": row["enterprise_name"], "preferred_language": row["language"]},
            )
            result.enterprises += created
            if row["role"]:
                Group.objects.get_or_create(enterprise=enterprise, role_type=RoleType.objects.get(code=row["role"]))
            person, _ = Person.objects.get_or_create(
                niss=row["niss"], defaults={"given_name": row["given_name"], "surname": row["surname"]}
            )
            representative, created = LegalRepresentative.objects.get_or_create(
                person=person, enterprise=enterprise, valid_from=row["valid_from"]
            )
            if created:
                legal_representative_record(representative, source="import")
                result.representatives += 1
    return result
