"""The report of an import, per row, as CSV: the file's columns as read (the national register number
masked), then what the dry run foresaw or the import did, and what its undoing did. Every cell is
written so that a spreadsheet shows it and never runs it (access.journal_display.neutralised, as the
journal's export)."""

from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from access.identifiers import mask_niss
from access.journal_display import neutralised
from imports import columns, verdicts
from imports.models import Import, ImportRow


def header(job: Import) -> list[str]:
    cells = [_("Line"), *columns.headings()]
    cells += [_("Preview") if job.status == Import.Status.PREVIEW else _("Result"), _("Details")]
    if job.undoing:
        cells += [_("Undo"), _("Why not undone")]
    return cells


def result_of(row: ImportRow, services: dict[str, str]) -> tuple[str, str]:
    """What came of a row, in words: the import's outcome once it went through it, else the dry run's verdict."""
    code, detail = (row.outcome, row.outcome_detail) if row.outcome else (row.verdict, row.detail)
    return verdicts.label(code), verdicts.detail_text(code, detail, services)


def lines(job: Import, rows: Iterable[ImportRow], services: dict[str, str]) -> Iterator[list[str]]:
    yield [neutralised(cell) for cell in header(job)]
    for row in rows:
        cells = {**row.cells, columns.NISS: mask_niss(row.niss) if row.niss else row.cells.get(columns.NISS, "")}
        line = [str(row.line), *(cells.get(key, "") for key in columns.COLUMNS), *result_of(row, services)]
        if job.undoing:
            line += [
                verdicts.label(row.undo) if row.undo else "",
                verdicts.detail_text(row.undo, row.undo_detail, services) if row.undo == verdicts.NOT_UNDONE else "",
            ]
        yield [neutralised(str(cell)) for cell in line]
