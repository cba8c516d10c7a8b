"""The journal of what staff change in the admin: one row per save or deletion, before and after.

Every model admin gets `StaffJournal` from the staff admin site (portal.admin_site), so a new
admin cannot forget it. An admin action or view that writes calls `record_staff_change` itself,
inside the transaction of its write.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from access import journal
from access.models import AuditEvent, Enterprise, Person
from accounts.http import client_ip

# Secrets and key material: the journal says they changed, never what they are.
HIDDEN_FIELDS = frozenset(
    {"password", "secret", "client_secret", "token", "token_secret", "key", "data", "ssh_public_key", "certificate_pem"}
)
HIDDEN = "[hidden]"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Iterable):
        return sorted(str(_plain(item)) for item in value)
    return str(value)


def _value(name: str, value: Any) -> Any:
    return HIDDEN if name in HIDDEN_FIELDS else _plain(value)


def snapshot(obj: models.Model, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The object's fields as the journal keeps them (all of them, or those named)."""
    fields = [field for field in obj._meta.concrete_fields if not field.primary_key]
    fields += list(obj._meta.many_to_many) if obj.pk else []
    wanted = set(names) if names is not None else None
    return {
        field.name: _value(field.name, field.value_from_object(obj))
        for field in fields
        if wanted is None or field.name in wanted
    }


def _label(obj: models.Model, pk: Any = None) -> str:
    return f"{obj._meta.model_name} {pk if pk is not None else obj.pk}"


def _enterprise_of(obj: Any) -> Enterprise | None:
    """The enterprise whose journal shows the change: the object's own, or its parent's."""
    if isinstance(obj, Enterprise):
        return obj
    for name in ("enterprise", "sender", "contact_data"):
        related = getattr(obj, name, None)
        if isinstance(related, models.Model):
            return _enterprise_of(related)
    return None


def _person_of(obj: Any) -> Person | None:
    if isinstance(obj, Person):
        return obj
    person = getattr(obj, "person", None)
    return person if isinstance(person, Person) else None


def record_staff_change(
    request: HttpRequest,
    obj: models.Model,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    deleted: bool = False,
) -> AuditEvent:
    """Journal a change made by the member of staff of this request (actor=None, as in
    main_manager_designate_as_staff); call it inside the change's transaction."""
    enterprise, person = _enterprise_of(obj), _person_of(obj)
    if deleted:
        # The journal's references protect what they name: the row names what goes, in words.
        enterprise = None if enterprise is obj else enterprise
        person = None if person is obj else person
    return journal.record(
        AuditEvent.Action.STAFF_CHANGED,
        enterprise=enterprise,
        actor=None,
        target=person,
        before=before,
        after={"staff": request.user.get_username(), "object": f"{_label(obj)}: {obj}", **(after or {})},
        ip=client_ip(request),
    )


def _changes(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a bound model form changed on its (saved) instance: before from the form's initial
    values, after from the instance; fields that are not the model's (a password typed twice) are left out."""
    instance = form.instance
    names = {field.name for field in [*instance._meta.concrete_fields, *instance._meta.many_to_many]}
    changed = [name for name in form.changed_data if name in names]
    before = {name: _value(name, form.initial.get(name)) for name in changed}
    after = snapshot(instance, changed)
    kept = [name for name in changed if before[name] != after[name] or name in HIDDEN_FIELDS]
    return {name: before[name] for name in kept}, {name: after[name] for name in kept}


class StaffJournal:
    """A ModelAdmin whose saves (with their inlines) and deletions are journaled, each in the
    transaction that the admin opens for the change."""

    def _journaled_additions(self) -> tuple[type[models.Model], ...]:
        """Models whose additions the admin journals with its own event (an e-Box message posted,
        a legal representative registered), named in its `journaled_additions`: one row per event.
        Read with getattr: this class comes first in the admin's bases, and must not hide it."""
        return getattr(self, "journaled_additions", ())

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        own = self._journaled_additions()
        if change:
            before, after = _changes(form)
        elif isinstance(form.instance, own):
            before, after = {}, {}
        else:
            before, after = {}, snapshot(form.instance)
        for formset in formsets:
            deleted = formset.deleted_forms if formset.can_delete else []
            for inline in formset.initial_forms:
                if inline in deleted:
                    label = _label(inline.instance, inline.initial.get("id"))
                    before[label] = {name: _value(name, value) for name, value in inline.initial.items()}
                elif inline.has_changed():
                    inline_before, inline_after = _changes(inline)
                    if inline_after:
                        before[_label(inline.instance)], after[_label(inline.instance)] = inline_before, inline_after
            for inline in formset.extra_forms:
                if isinstance(inline.instance, own):
                    continue
                if inline.has_changed() and inline not in deleted and inline.instance.pk is not None:
                    after[_label(inline.instance)] = snapshot(inline.instance)
        if before or after:
            record_staff_change(request, form.instance, before=before or None, after=after)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_staff_change(request, obj, before=snapshot(obj), after={"deleted": True}, deleted=True)
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic(using=queryset.db):
            for obj in queryset:
                record_staff_change(request, obj, before=snapshot(obj), after={"deleted": True}, deleted=True)
            super().delete_queryset(request, queryset)  # type: ignore[misc]
