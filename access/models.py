"""The access model of docs/design.md §3: who is who in an enterprise, and what they may use.

Every rule that the data must keep whatever the code does is a database constraint here; the
rules about who may change what live in access/policy.py.
"""

import unicodedata
from collections.abc import Collection, Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import CharField, Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from access.identifiers import (
    format_enterprise_number,
    format_niss,
    mask_niss,
    validate_enterprise_number,
    validate_niss,
)
from access.policy import DesignationKind, in_force

# The identifiers' length checks below are database constraints: `number__length=10`.
CharField.register_lookup(Length)


class Language(models.TextChoices):
    FR = "fr", _("French")
    NL = "nl", _("Dutch")
    DE = "de", _("German")
    EN = "en", _("English")


# Letters that Unicode does not decompose into a base letter and a mark, as people type them
# without their stroke (Łukasz, Søren) or spelled out (Æ, Œ).
_PLAIN_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
)
_APOSTROPHES = str.maketrans({"'": "", "’": "", "-": " ", "‐": " "})


def fold(text: str) -> str:
    """A name as it is searched: without accents, case or apostrophes, hyphens as spaces, one space
    between words ("D'Hondt-Ünal" → "dhondt unal"). A search folds what is typed the same way
    (docs/decisions.md §13.1)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN_LETTERS).translate(_APOSTROPHES))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


class CopiesManager[M: "Person | Enterprise | Membership"](models.Manager[M]):
    """For models that keep copies of other values, written by their save (`fill_copies`): rows
    created in bulk (the benchmark's data) get them too."""

    def bulk_create(
        self,
        objs: Iterable[M],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> list[M]:
        rows = list(objs)
        for row in rows:
            row.fill_copies()
        return super().bulk_create(
            rows,
            batch_size=batch_size,
            ignore_conflicts=ignore_conflicts,
            update_conflicts=update_conflicts,
            update_fields=update_fields,
            unique_fields=unique_fields,
        )


class Person(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    niss = models.CharField(
        _("national register number"), max_length=11, null=True, blank=True, unique=True, validators=[validate_niss]
    )
    given_name = models.CharField(_("given name"), max_length=100)
    surname = models.CharField(_("surname"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    mobile_phone = models.CharField(
        _("mobile phone"), max_length=16, blank=True, help_text=_("E.164, e.g. +32470123456")
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.FR
    )
    # The names folded for search (`fold`), written at every save. On PostgreSQL a trigram index
    # (migration 0009, outside this model's state: SQLite has none) serves the searches' LIKE '%…%'.
    search_name = models.CharField(max_length=201, editable=False, default="")

    objects = CopiesManager["Person"]()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["surname", "given_name", "pk"]
        indexes = [models.Index(fields=["surname", "given_name"], name="person_name_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(niss__isnull=True) | Q(niss__length=11), name="person_niss_11_digits"),
            models.CheckConstraint(
                condition=Q(mobile_phone="") | Q(mobile_phone__startswith="+"), name="person_mobile_e164"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.fill_copies()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"given_name", "surname"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        renamed = not self._state.adding and self._names() != getattr(self, "_names_in_db", None)
        super().save(*args, **kwargs)
        if renamed and (update_fields is None or "search_name" in kwargs["update_fields"]):
            # The copies that order and search the lists of an enterprise's users (Membership).
            Membership.objects.filter(person=self).update(**Membership.names_of(self))
        self._names_in_db = self._names()

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any) -> "Person":
        person = super().from_db(db, field_names, values, **kwargs)
        person._names_in_db = person._names()
        return person

    def _names(self) -> tuple[str, str] | None:
        """The names as loaded; None when they were not (a deferred field is never saved)."""
        loaded = self.__dict__
        if "given_name" not in loaded or "surname" not in loaded:
            return None
        return loaded["given_name"], loaded["surname"]

    def fill_copies(self) -> None:
        self.search_name = self.folded_name()

    def folded_name(self) -> str:
        return fold(f"{self.given_name} {self.surname}")

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.surname}"

    @property
    def niss_display(self) -> str:
        return format_niss(self.niss) if self.niss else ""

    @property
    def niss_masked(self) -> str:
        return mask_niss(self.niss)


class FormerNiss(models.Model):
    """A number the person used to have: a BIS number replaced by a national number, say."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="former_numbers")
    niss = models.CharField(_("national register number"), max_length=11)
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("former national register number")
        verbose_name_plural = _("former national register numbers")
        constraints = [models.UniqueConstraint(fields=["person", "niss"], name="former_niss_once_per_person")]

    def __str__(self) -> str:
        return mask_niss(self.niss)


class Enterprise(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending activation")
        ACTIVE = "active", _("active")
        CLOSED = "closed", _("closed")

    number = models.CharField(
        _("enterprise number"), max_length=10, unique=True, validators=[validate_enterprise_number]
    )
    name = models.CharField(_("name"), max_length=200)
    # The name as it is searched (access.models.fold), written by every save and bulk_create.
    search_name = models.CharField(max_length=400, editable=False, default="")
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.FR
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    activated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("activated by")
    )

    objects = CopiesManager["Enterprise"]()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(number__length=10), name="enterprise_number_10_digits"),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(activated_at__isnull=False), name="enterprise_active_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number_display})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.fill_copies()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def fill_copies(self) -> None:
        self.search_name = self.folded_name()

    def folded_name(self) -> str:
        return fold(self.name)[:400]

    @property
    def number_display(self) -> str:
        return format_enterprise_number(self.number)


class EnterpriseClosure(models.Model):
    """A time when an enterprise that had been activated was not active: closed, or set back to
    pending by staff, from `closed_at` until `reopened_at`. `Enterprise.status` says what holds
    now; these rows say what held on a past day (access.history). Written when staff change the
    status in the admin and when an activation ends it (access.services.enterprises)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="closures")
    status = models.CharField(_("status"), max_length=10, choices=Enterprise.Status.choices)
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)

    class Meta:
        verbose_name = _("closure of an enterprise")
        verbose_name_plural = _("closures of enterprises")
        ordering = ["enterprise_id", "closed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(reopened_at__isnull=True), name="enterprise_closure_once"
            ),
            models.CheckConstraint(condition=~Q(status="active"), name="enterprise_closure_not_active"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} – {self.get_status_display()}"


class LegalRepresentative(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="representations")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="legal_representatives")
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("legal representative")
        verbose_name_plural = _("legal representatives")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="legal_representative_period",
            ),
            models.UniqueConstraint(
                fields=["person", "enterprise", "valid_from"], name="legal_representative_once_per_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.enterprise}"


class CatalogueEntry(models.Model):
    """Catalogue rows carry their names in the four languages, as the catalogue file gives them."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    names = models.JSONField(_("names"), default=dict)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.names.get(get_language() or "en") or self.names.get("en") or self.code


class Domain(CatalogueEntry):
    class Meta(CatalogueEntry.Meta):
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class OnlineService(CatalogueEntry):
    delegatable = models.BooleanField(_("may be granted by a manager"), default=True)
    automatic_for = models.JSONField(_("standings that receive it automatically"), default=list, blank=True)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("online service")
        verbose_name_plural = _("online services")


class RoleType(CatalogueEntry):
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="role_types")
    services = models.ManyToManyField(OnlineService, related_name="role_types", blank=True)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("role of an enterprise")
        verbose_name_plural = _("roles of enterprises")


class Group(models.Model):
    """One activated role of one enterprise: the permission group its users belong to."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="groups")
    role_type = models.ForeignKey(RoleType, on_delete=models.PROTECT, related_name="groups")
    activated_at = models.DateTimeField(_("activated at"), default=timezone.now)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["enterprise_id", "role_type__code"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "role_type"], name="group_one_per_role")]

    def __str__(self) -> str:
        return str(self.role_type)

    @property
    def name(self) -> str:
        return self.role_type.name


class Designation(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="designations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="designations")
    kind = models.CharField(_("role"), max_length=20, choices=DesignationKind.choices)
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="designations")
    designated_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    designated_at = models.DateTimeField(default=timezone.now)
    valid_from = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        ordering = ["enterprise_id", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=DesignationKind.ACCESS_MANAGER, domain__isnull=False, group__isnull=True)
                    | Q(kind=DesignationKind.GROUP_MANAGER, domain__isnull=True, group__isnull=False)
                    | Q(
                        kind__in=[DesignationKind.MAIN, DesignationKind.CO_MAIN],
                        domain__isnull=True,
                        group__isnull=True,
                    )
                ),
                name="designation_scope_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="designation_period",
            ),
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(kind=DesignationKind.MAIN, revoked_at__isnull=True),
                name="designation_one_main",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "domain"],
                condition=Q(kind=DesignationKind.ACCESS_MANAGER, revoked_at__isnull=True),
                name="designation_one_access_manager_per_domain",
            ),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(kind=DesignationKind.GROUP_MANAGER, revoked_at__isnull=True),
                name="designation_one_group_manager_per_group",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "person"],
                condition=Q(kind=DesignationKind.CO_MAIN, revoked_at__isnull=True),
                name="designation_co_main_once_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.person}"

    @property
    def scope_label(self) -> str:
        if self.group_id:
            return str(self.group)
        if self.domain_id:
            return str(self.domain)
        return ""


class Membership(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        BLOCKED = "blocked", _("blocked")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    # Indexed with its id (below), not alone: the indexes that begin with it serve its look-ups.
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="memberships", db_index=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    blocked_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    blocked_at = models.DateTimeField(null=True, blank=True)
    block_reason = models.CharField(_("reason"), max_length=500, blank=True)
    blocked_until = models.DateField(_("blocked until"), null=True, blank=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    removed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)
    # The group's enterprise and the person's names, copied: the users page and the group page
    # list an enterprise's people in the order of their names, and search them, from the
    # enterprise's own rows (the indexes below) instead of walking the names of everyone in the
    # country (docs/decisions.md §20.1). Written when the membership is made, and the names again
    # at every change of the person's names (Person.save).
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+", db_index=False)
    person_given_name = models.CharField(max_length=100, editable=False, default="")
    person_surname = models.CharField(max_length=100, editable=False, default="")
    person_search_name = models.CharField(max_length=201, editable=False, default="")

    objects = CopiesManager["Membership"]()

    class Meta:
        verbose_name = _("user of a group")
        verbose_name_plural = _("users of groups")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "group"], condition=Q(removed_at__isnull=True), name="membership_once_per_group"
            ),
            models.CheckConstraint(
                condition=Q(status="active") | (Q(status="blocked", blocked_at__isnull=False) & ~Q(block_reason="")),
                name="membership_blocked_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["group", "removed_at"], name="membership_group_current_idx"),
            # A group's memberships newest first (the admin's list of a group): read from the
            # group's own rows, not by walking every membership's id in the country from the newest.
            models.Index(fields=["group", "id"], name="membership_group_newest_idx"),
            models.Index(
                fields=["group", "person_surname", "person_given_name", "person"],
                condition=Q(removed_at__isnull=True),
                name="membership_group_name_idx",
            ),
            models.Index(
                fields=["enterprise", "person_surname", "person_given_name", "person"],
                condition=Q(removed_at__isnull=True),
                name="membership_enterprise_name_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.group}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            self.fill_copies()
        super().save(*args, **kwargs)

    def fill_copies(self) -> None:
        self.enterprise_id = self.group.enterprise_id
        for field, value in self.names_of(self.person).items():
            setattr(self, field, value)

    @staticmethod
    def names_of(person: Person) -> dict[str, str]:
        return {
            "person_given_name": person.given_name,
            "person_surname": person.surname,
            "person_search_name": person.folded_name(),
        }

    @property
    def is_blocked(self) -> bool:
        """Blocked for the group today. A block whose end date has passed blocks nothing, even
        before the sweep has recorded its end (docs/decisions.md §11)."""
        return self.status == Membership.Status.BLOCKED and in_force(self.blocked_until, timezone.localdate())

    @property
    def status_display(self) -> str:
        """The status as it stands today, in words (a block past its end date reads active)."""
        return str((Membership.Status.BLOCKED if self.is_blocked else Membership.Status.ACTIVE).label)


class Grant(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="grants")
    service = models.ForeignKey(OnlineService, on_delete=models.PROTECT, related_name="grants")
    granted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateField(null=True, blank=True)
    revoked_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("granted online service")
        verbose_name_plural = _("granted online services")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "service"], condition=Q(revoked_at__isnull=True), name="grant_once_per_service"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} – {self.membership}"


class GroupBlock(models.Model):
    """A person blocked for one group: every block, current and past, with its dates, so that who
    could act on a given day is a question over periods (access.history).

    The membership's status and blocked_* fields hold its current block, which the pages and the
    decision point read; the services write both in one transaction (docs/design.md §3.4)."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="blocks")
    blocked_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    blocked_at = models.DateTimeField(_("blocked at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=500)
    until = models.DateField(_("blocked until"), null=True, blank=True)
    lifted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("block for one group")
        verbose_name_plural = _("blocks for one group")
        ordering = ["membership_id", "blocked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=Q(lifted_at__isnull=True), name="group_block_once"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="group_block_has_reason"),
        ]

    def __str__(self) -> str:
        return str(self.membership)


class EnterpriseBlock(models.Model):
    """A person blocked for every group of an enterprise, including groups they join later."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enterprise_blocks")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="blocks")
    blocked_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    blocked_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(_("reason"), max_length=500)
    until = models.DateField(_("blocked until"), null=True, blank=True)
    lifted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("block for all groups")
        verbose_name_plural = _("blocks for all groups")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "enterprise"], condition=Q(lifted_at__isnull=True), name="enterprise_block_once"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="enterprise_block_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.enterprise}"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise TypeError("The journal is append-only")

    def delete(self):  # type: ignore[no-untyped-def]
        raise TypeError("The journal is append-only")


class AuditEvent(models.Model):
    """The journal. Rows are only ever inserted: the model and its queryset refuse changes here,
    and on PostgreSQL a trigger refuses UPDATE and DELETE from any role (migration 0004)."""

    class Action(models.TextChoices):
        DESIGNATION_CREATED = "designation_created", _("manager designated")
        DESIGNATION_REVOKED = "designation_revoked", _("designation revoked")
        USER_CREATED = "user_created", _("user added to the group")
        SERVICE_GRANTED = "service_granted", _("online service granted")
        SERVICE_REVOKED = "service_revoked", _("online service revoked")
        MEMBERSHIP_BLOCKED = "membership_blocked", _("blocked for the group")
        MEMBERSHIP_UNBLOCKED = "membership_unblocked", _("unblocked for the group")
        ENTERPRISE_BLOCKED = "enterprise_blocked", _("blocked for all groups")
        ENTERPRISE_UNBLOCKED = "enterprise_unblocked", _("unblocked for all groups")
        MEMBERSHIP_DELETED = "membership_deleted", _("deleted from the group")
        SERVICE_RENOUNCED = "service_renounced", _("online service given up by the user")
        GROUP_LEFT = "group_left", _("left the group")
        LOGGED_IN = "logged_in", _("logged in")
        SESSIONS_ENDED = "sessions_ended", _("other sessions ended")
        PROFILE_UPDATED = "profile_updated", _("profile updated from the identity provider")
        ENTERPRISE_ACTIVATED = "enterprise_activated", _("enterprise account activated")
        CREDENTIALS_SENT = "credentials_sent", _("username and temporary password sent again")
        CREDENTIALS_WITHDRAWN = "credentials_withdrawn", _("local login of a replaced Main Access Manager withdrawn")
        CREDENTIALS_LIMITED = "credentials_limited", _("credentials refused: too many sent")
        REPRESENTATIVE_REGISTERED = "representative_registered", _("legal representative registered")
        CONTACTDATA_UPDATED = "contactdata_updated", _("contact data updated")
        EBOX_MESSAGE_POSTED = "ebox_message_posted", _("e-Box message posted")
        CHAMAN_CHANGED = "chaman_changed", _("Chaman changed")
        STRUCTURED_MESSAGES_CHANGED = "structured_messages_changed", _("structured-message settings changed")
        STAFF_CHANGED = "staff_changed", _("changed by staff in the admin")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        RECOVERY_CODES_GENERATED = "recovery_codes_generated", _("new recovery codes made")
        USER_PROVISIONED = "user_provisioned", _("person provisioned by the HR system")
        PROVISIONED_USER_CHANGED = "provisioned_user_changed", _("provisioned details changed")
        USER_DEPROVISIONED = "user_deprovisioned", _("person no longer provisioned")
        PROVISIONING_TOKEN_CREATED = "provisioning_token_created", _("provisioning token created")
        PROVISIONING_TOKEN_REVOKED = "provisioning_token_revoked", _("provisioning token revoked")
        REVIEW_STARTED = "review_started", _("access review started")
        REVIEW_CONFIRMED = "review_confirmed", _("online service confirmed in an access review")
        REVIEW_REMINDED = "review_reminded", _("managers reminded of an access review")
        REVIEW_CLOSED = "review_closed", _("access review closed")
        REVIEW_ENDED = "review_ended", _("online service ended: not confirmed in the access review")
        UNUSED_ACCESS_CHANGED = "unused_access_changed", _("ending of unused online services changed")
        UNUSED_WARNED = "unused_warned", _("told that an unused online service ends soon")
        UNUSED_ENDED = "unused_ended", _("online service ended: not used")
        APPROVAL_REQUESTED = "approval_requested", _("second approval asked")
        APPROVAL_GRANTED = "approval_granted", _("request approved by a second manager")
        APPROVAL_REFUSED = "approval_refused", _("request refused by a second manager")
        APPROVAL_EXPIRED = "approval_expired", _("request expired without a second approval")
        APPROVAL_FAILED = "approval_failed", _("approved request no longer allowed: nothing done")
        APPROVAL_SKIPPED = "approval_skipped", _("done without a second approval")
        FOUR_EYES_CHANGED = "four_eyes_changed", _("second approval setting changed")
        MANDATE_OFFERED = "mandate_offered", _("mandate offered to a service provider")
        MANDATE_ACCEPTED = "mandate_accepted", _("mandate accepted by the service provider")
        MANDATE_REFUSED = "mandate_refused", _("mandate refused by the service provider")
        MANDATE_ENDED = "mandate_ended", _("mandate ended")
        MANDATE_ACCESS_GRANTED = "mandate_access_granted", _("online service given under a mandate")
        MANDATE_ACCESS_REVOKED = "mandate_access_revoked", _("online service under a mandate taken back")

    enterprise = models.ForeignKey(Enterprise, null=True, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    target_person = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey(Domain, null=True, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(Group, null=True, on_delete=models.PROTECT, related_name="+")
    before = models.JSONField(_("before"), null=True)
    after = models.JSONField(_("after"), null=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal event")
        verbose_name_plural = _("journal")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["enterprise", "-created_at"], name="audit_enterprise_time_idx"),
            # The first and last events about a person or a group (SCIM's meta.created and
            # meta.lastModified), one index probe each whatever the size of the journal.
            models.Index(fields=["target_person", "enterprise", "created_at"], name="audit_person_time_idx"),
            models.Index(fields=["group", "enterprise", "created_at"], name="audit_group_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise TypeError("The journal is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise TypeError("The journal is append-only")

    def get_action_display(self) -> str:  # type: ignore[no-redef]  # Django's, made cheaper
        """The action's name in the reader's language. Django's own looks the value up in a dict of
        every choice made anew at each call, which translates all of the choices' names: a page
        of the journal translated some 1,500 names to show 25."""
        try:
            return str(self.Action(self.action).label)
        except ValueError:
            return str(self.action)


class ServiceUse(models.Model):
    """When a person last used an online service for an enterprise, as the decision point saw it:
    one row per person, enterprise and service, moved forward at most once every
    SERVICE_USE_INTERVAL_SECONDS (docs/decisions-api.md §6). Managers read it on the user's pages."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(OnlineService, on_delete=models.CASCADE, related_name="+")
    last_used_at = models.DateTimeField(_("last used at"))

    class Meta:
        verbose_name = _("use of an online service")
        verbose_name_plural = _("uses of online services")
        constraints = [models.UniqueConstraint(fields=["person", "enterprise", "service"], name="service_use_once")]

    def __str__(self) -> str:
        return f"{self.service} – {self.person} – {self.enterprise}"


class Notice(models.Model):
    """A change to a person's own access that the person is to be told of (docs/design.md §5.9).

    Services write one in the transaction of the change; the person's unsent notices are gathered
    into one e-mail of the outbox once no change has come for NOTICE_BATCH_SECONDS (access.notices),
    so a batch of changes makes one e-mail. `details` holds codes, not words: the e-mail is written
    in the person's language when it is gathered. An expiring grant is told of once per end date.
    """

    class Kind(models.TextChoices):
        ADDED = "added", _("added to a group")
        GRANTED = "granted", _("online service granted")
        REVOKED = "revoked", _("online service revoked")
        EXPIRING = "expiring", _("online service ending soon")
        BLOCKED = "blocked", _("blocked")
        UNBLOCKED = "unblocked", _("unblocked")
        REMOVED = "removed", _("removed from a group")
        DESIGNATED = "designated", _("designated as a manager")
        DESIGNATION_REVOKED = "designation_revoked", _("designation as a manager revoked")
        REVIEW_REMINDER = "review_reminder", _("access review to answer")
        REVIEW_ENDED = "review_ended", _("online service ended by an access review")
        UNUSED_WARNING = "unused_warning", _("unused online service ending soon")
        UNUSED_ENDED = "unused_ended", _("unused online service ended")
        APPROVAL_ASKED = "approval_asked", _("request waiting for your approval")
        APPROVAL_DECIDED = "approval_decided", _("your request decided")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notices")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    details = models.JSONField(_("details"), default=dict, blank=True)
    # The grant whose end is near, and that end: told once per grant and end date.
    grant = models.ForeignKey(Grant, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When it went into an e-mail of the outbox (which delivers it), or was dropped because the
    # person has no e-mail address any more.
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message = models.ForeignKey(
        "accounts.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("notice of a change of access")
        verbose_name_plural = _("notices of changes of access")
        ordering = ["created_at", "pk"]
        indexes = [
            # The notices still to gather, read by every gathering and every sweep.
            models.Index(fields=["person", "created_at"], condition=Q(sent_at__isnull=True), name="notice_unsent_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "valid_until"], condition=Q(kind="expiring"), name="notice_expiry_told_once"
            ),
            models.CheckConstraint(
                condition=~Q(kind="expiring") | (Q(grant__isnull=False) & Q(valid_until__isnull=False)),
                name="notice_expiry_names_its_grant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.person}"


# --- Access over time: reviews and unused access (docs/design.md §5.13) -----------------------------


class AccessReview(models.Model):
    """An access review: the MAM or a co-MAM asks the managers to confirm or revoke, by a
    deadline, every grant of the enterprise or of one domain. The grants asked about are its items,
    fixed when it starts. It closes at the end of its deadline (access.reviews, run by beat), and
    then ends what was not confirmed if `end_unconfirmed`. One review is open per enterprise."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="reviews")
    # None: the whole enterprise.
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    # The last day to answer, in Brussels.
    deadline = models.DateField(_("deadline"))
    end_unconfirmed = models.BooleanField(_("at the deadline, end what was not confirmed"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The reminders already sent to the managers with grants left to answer: "start", "week", "day".
    reminders = models.JSONField(_("reminders sent"), default=list, blank=True)

    class Meta:
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(closed_at__isnull=True), name="access_review_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} – {self.deadline:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def scope_name(self) -> str:
        """What it reviews: a domain by its name, or the whole enterprise."""
        return self.domain.name if self.domain else str(_("The whole enterprise"))


class AccessReviewItem(models.Model):
    """One grant asked about in a review, with who must answer for it and the answer."""

    class Answer(models.TextChoices):
        OPEN = "open", _("to answer")
        CONFIRMED = "confirmed", _("confirmed")
        REVOKED = "revoked", _("revoked")
        ENDED = "ended", _("ended at the deadline")

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="+")
    # Who must answer, as the policy named them when the review started; None: the MAM and the
    # co-MAMs. Every manager who may revoke the grant may answer for it.
    answerer = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, default=Answer.OPEN)
    # None with an answer: the portal, at the deadline.
    answered_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("grant in an access review")
        verbose_name_plural = _("grants in access reviews")
        constraints = [
            models.UniqueConstraint(fields=["review", "grant"], name="access_review_item_once"),
            models.CheckConstraint(
                condition=Q(answer="open", answered_at__isnull=True)
                | (~Q(answer="open") & Q(answered_at__isnull=False)),
                name="access_review_item_answered_at",
            ),
        ]
        indexes = [models.Index(fields=["review", "answerer", "answer"], name="access_review_item_answer_idx")]

    def __str__(self) -> str:
        return f"{self.review_id} – {self.grant_id}: {self.answer}"


class UnusedAccessSetting(models.Model):
    """Whether an enterprise's grants end once unused for `months` (None: they do not, the
    default), as its MAM or a co-MAM set it."""

    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="unused_access")
    months = models.PositiveSmallIntegerField(_("months without use"), null=True, blank=True)
    changed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("ending of unused access")
        verbose_name_plural = _("ending of unused access")
        constraints = [
            models.CheckConstraint(
                condition=Q(months__isnull=True) | Q(months__gte=6, months__lte=24), name="unused_access_months"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.months or '-'}"


class UnusedGrantWarning(models.Model):
    """A grant found unused, and the day it ends unless it is used before: its holder was told
    14 days ahead. A grant used after the warning is not ended; unused again, it is warned again."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="+")
    ends_on = models.DateField(_("ends on"))
    # The number of months of the setting it was given under (a warning given before the setting
    # last changed is void: access.unused).
    months = models.PositiveSmallIntegerField(_("months without use"))
    warned_at = models.DateTimeField(_("warned at"), default=timezone.now)

    class Meta:
        verbose_name = _("warning of an unused grant")
        verbose_name_plural = _("warnings of unused grants")
        constraints = [models.UniqueConstraint(fields=["grant", "ends_on"], name="unused_grant_warned_once")]

    def __str__(self) -> str:
        return f"{self.grant_id} – {self.ends_on:%Y-%m-%d}"


# --- Four eyes: a second manager approves the dangerous few actions (docs/design.md §5.15) ---------


class FourEyesSetting(models.Model):
    """Whether the enterprise's dangerous few actions wait for a second manager's approval, as its
    Main Access Manager set it. Without a row they do (the default): the setting only matters where
    there is a second manager to approve (access.approvals)."""

    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="four_eyes")
    enabled = models.BooleanField(_("a second manager approves"), default=True)
    changed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("second approval setting")
        verbose_name_plural = _("second approval settings")

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.enabled}"


class ApprovalRequest(models.Model):
    """An action that waits for a second manager: what it is (`kind`, one of access.approvals.KINDS,
    with its `params` as ids and codes), who asked and on whom. Approved, it is carried out through
    its service as the requester, asked of the policy again then; it expires after
    APPROVAL_DAYS, and then does nothing."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved and carried out")
        REFUSED = "refused", _("refused")
        EXPIRED = "expired", _("expired")
        FAILED = "failed", _("approved, but no longer allowed")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="approval_requests")
    kind = models.CharField(_("action"), max_length=40)
    params = models.JSONField(_("details"), default=dict, blank=True)
    target = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("request for a second approval")
        verbose_name_plural = _("requests for a second approval")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(
                fields=["enterprise", "requested_at"], condition=Q(status="pending"), name="approval_pending_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="approval_decided_at",
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="approval_not_by_requester",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} – {self.kind}: {self.status}"
