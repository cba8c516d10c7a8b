"""A file of users a manager imports (docs/design.md §5.14): the file as read and checked, row by
row, with what the dry run foresaw, what the import did and what its undoing did."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.models import Enterprise, Group, Person


class Import(models.Model):
    class Status(models.TextChoices):
        PREVIEW = "preview", _("checked, nothing done yet")
        QUEUED = "queued", _("waiting to start")
        RUNNING = "running", _("importing")
        DONE = "done", _("imported")
        UNDO_QUEUED = "undo_queued", _("waiting to be undone")
        UNDOING = "undoing", _("being undone")
        UNDONE = "undone", _("undone")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    filename = models.CharField(_("file"), max_length=255)
    # How the file was read: "utf-8" (with or without a byte-order mark) or "windows-1252", and ";" or ",".
    encoding = models.CharField(max_length=20)
    separator = models.CharField(max_length=1)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEW)
    total = models.PositiveIntegerField(_("rows"), default=0)
    # The rows the dry run foresaw a change for: what the import carries out.
    changes = models.PositiveIntegerField(default=0)
    # The rows the import changed: what its undoing goes back over.
    carried_out = models.PositiveIntegerField(default=0)
    # The rows the import, or its undoing, has gone through so far; moved at least every few seconds.
    processed = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The address the manager committed (and later undid) from, for the journal.
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undo_requested_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["enterprise", "created_by", "-created_at"], name="import_author_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename}"

    @property
    def in_progress(self) -> bool:
        return self.status in (
            Import.Status.QUEUED,
            Import.Status.RUNNING,
            Import.Status.UNDO_QUEUED,
            Import.Status.UNDOING,
        )

    @property
    def undoing(self) -> bool:
        return self.status in (Import.Status.UNDO_QUEUED, Import.Status.UNDOING, Import.Status.UNDONE)

    @property
    def goal(self) -> int:
        """How many rows the run under way goes through: the progress bar's end."""
        return self.carried_out if self.undoing else self.changes


class ImportRow(models.Model):
    """One row of the file. `verdict` is the dry run's; `outcome` what the import did (empty until
    it went through the row); `done` what it changed, as the undoing compares it with what is there
    then; `undo` what the undoing did. Verdicts and their details are codes, put in words when shown
    (imports.verdicts)."""

    job = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(_("line"))
    cells = models.JSONField(default=dict)
    niss = models.CharField(max_length=11, blank=True)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, blank=True)
    verdict = models.CharField(max_length=20)
    detail = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=20, blank=True)
    outcome_detail = models.JSONField(default=dict, blank=True)
    done = models.JSONField(null=True, blank=True)
    undo = models.CharField(max_length=20, blank=True)
    undo_detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("row of an import")
        verbose_name_plural = _("rows of imports")
        ordering = ["job_id", "line"]
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="import_row_once_per_line")]
        indexes = [
            # The rows still to carry out, a person's rows one after the other (one e-mail each).
            models.Index(fields=["job", "niss", "line"], condition=Q(outcome=""), name="import_row_to_do_idx")
        ]

    def __str__(self) -> str:
        return f"#{self.job_id} line {self.line}"
