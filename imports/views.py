"""Importing users from a file (docs/design.md §5.14): the page to upload it and download the
template, the check of a file (the dry run) with the button that starts the import, its progress,
its report and its undoing. Each import is its manager's: anyone else is answered 404."""

import csv
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from access import policy
from access import selectors as access_selectors
from access.identifiers import mask_niss
from access.selectors import Actor
from access.services import ActionRefused
from access.views.common import get_actor_or_404, page_context, paginate, refused, require
from imports import columns, report, selectors, services, verdicts
from imports.forms import UploadForm
from imports.models import Import, ImportRow
from imports.reading import FileRefused, too_large
from imports.uploads import ImportSizeLimit

LANGUAGE_NAMES = {"fr": "français", "nl": "Nederlands", "de": "Deutsch", "en": "English"}
POLL_SECONDS = 2  # how often the page of an import under way looks at its progress, without a script


def _importer(request: HttpRequest, enterprise_id: int) -> Actor:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_import(actor.standing))
    return actor


def _job(actor: Actor, import_id: int) -> Import:
    return get_object_or_404(selectors.imports_of(actor), pk=import_id)


# --- The upload --------------------------------------------------------------------------------------


@csrf_exempt  # the size limit must be in place before the body is read; _start checks the token itself
@login_required
def start(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    if request.method == "POST":
        request.upload_handlers.insert(0, ImportSizeLimit(request))
    return _start(request, enterprise_id)


@csrf_protect
def _start(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = _importer(request, enterprise_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        limit = request.upload_handlers[0]
        if isinstance(limit, ImportSizeLimit) and limit.too_large:
            form.is_valid()
            form.errors["file"] = form.error_class([too_large().message])
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.import_preview(actor, filename=upload.name or "", data=upload.read())
            except FileRefused as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("imports:detail", actor.enterprise.pk, job.pk)
    context = page_context(
        actor,
        form=form,
        imports=selectors.recent_imports(actor),
        templates=[(code, LANGUAGE_NAMES.get(code, name)) for code, name in settings.LANGUAGES],
    )
    return render(request, "imports/start.html", context)


@login_required
@require_GET
def template(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """The template, in the language asked for (or the page's): its header and a row that adds a
    person to one of the manager's groups with two of the services they may grant there."""
    actor = _importer(request, enterprise_id)
    language = request.GET.get("language", "")
    if language not in LANGUAGE_NAMES:
        language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        groups = sorted(
            (group for group in actor.groups if group.pk in actor.standing.scope_groups), key=lambda g: g.role_type.code
        )
        group = groups[0].name if groups else ""
        offered = list(access_selectors.grantable_services(groups[0])[:2]) if groups else []
        text = columns.template(group, [service.name for service in offered])
        filename = _("import-template") + f"-{language}.csv"
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- One import --------------------------------------------------------------------------------------


def _row_view(row: ImportRow, names: dict[str, str]) -> dict[str, Any]:
    label, detail = report.result_of(row, names)
    cells = row.cells
    action = columns.ACTIONS.get(row.action)
    return {
        "line": row.line,
        "person": " ".join(filter(None, [cells.get(columns.GIVEN_NAME), cells.get(columns.SURNAME)])),
        "niss": mask_niss(row.niss) if row.niss else cells.get(columns.NISS, ""),
        "group": row.group.name if row.group else cells.get(columns.GROUP, ""),
        "action": str(action) if action else cells.get(columns.ACTION, ""),
        "code": row.outcome or row.verdict,
        "label": label,
        "detail": detail,
        "undo": verdicts.label(row.undo) if row.undo else "",
        "undo_detail": (
            verdicts.detail_text(row.undo, row.undo_detail, names) if row.undo == verdicts.NOT_UNDONE else ""
        ),
    }


@login_required
@require_GET
def detail(request: HttpRequest, enterprise_id: int, import_id: int) -> HttpResponse:
    actor = _importer(request, enterprise_id)
    job = _job(actor, import_id)
    names = selectors.service_names()
    page = paginate(request, selectors.rows_of(job))
    page.object_list = [_row_view(row, names) for row in page.object_list]
    counts = [(verdicts.label(code), count, code) for code, count in selectors.counts(job)]
    undo_counts = [(verdicts.label(code), count) for code, count in selectors.undo_counts(job)] if job.undoing else []
    context = page_context(
        actor,
        job=job,
        page=page,
        counts=counts,
        undo_counts=undo_counts,
        can_commit=services.can_commit(job),
        can_undo=services.can_undo(job),
        preview_valid_until=services.preview_valid_until(job),
        undo_possible_until=services.undo_possible_until(job),
        poll_seconds=POLL_SECONDS,
        expired=job.status == Import.Status.PREVIEW and timezone.now() >= services.preview_valid_until(job),
    )
    return render(request, "imports/detail.html", context)


def progress_text(job: Import) -> str:
    return _("%(processed)s of %(goal)s rows") % {"processed": job.processed, "goal": job.goal}


@login_required
@require_GET
def progress(request: HttpRequest, enterprise_id: int, import_id: int) -> JsonResponse:
    """Where the import (or its undoing) is, for the page's script that moves the progress bar."""
    actor = _importer(request, enterprise_id)
    job = _job(actor, import_id)
    return JsonResponse(
        {
            "status": job.status,
            "processed": job.processed,
            "goal": job.goal,
            "text": progress_text(job),
            "finished": not job.in_progress,
        }
    )


@login_required
@require_POST
def commit(request: HttpRequest, enterprise_id: int, import_id: int) -> HttpResponse:
    actor = _importer(request, enterprise_id)
    job = _job(actor, import_id)
    try:
        services.import_commit(actor, job)
    except ActionRefused as exc:
        refused(request, exc)
    else:
        messages.success(request, _("The import has started. You may leave this page: it goes on without you."))
    return redirect("imports:detail", actor.enterprise.pk, job.pk)


@login_required
@require_POST
def undo(request: HttpRequest, enterprise_id: int, import_id: int) -> HttpResponse:
    actor = _importer(request, enterprise_id)
    job = _job(actor, import_id)
    try:
        services.import_undo(actor, job)
    except ActionRefused as exc:
        refused(request, exc)
    else:
        messages.success(request, _("The import is being undone."))
    return redirect("imports:detail", actor.enterprise.pk, job.pk)


class _Line:
    """What csv.writer writes to: each row comes back as its text, to be streamed."""

    def write(self, text: str) -> str:
        return text


@login_required
@require_GET
def report_csv(request: HttpRequest, enterprise_id: int, import_id: int) -> HttpResponseBase:
    """The report of the import, row by row (`;`-separated UTF-8 with a byte-order mark)."""
    actor = _importer(request, enterprise_id)
    job = _job(actor, import_id)
    names = selectors.service_names()
    rows = selectors.rows_of(job).iterator(chunk_size=1000)
    response = StreamingHttpResponse(
        _lines(job, rows, names, translation.get_language()), content_type="text/csv; charset=utf-8"
    )
    filename = _("import") + f"-{job.pk}-" + (_("preview") if job.status == Import.Status.PREVIEW else _("report"))
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _lines(job: Import, rows: Iterator[ImportRow], names: dict[str, str], language: str | None) -> Iterator[str]:
    with translation.override(language):
        writer = csv.writer(_Line(), delimiter=";")
        yield "\ufeff"
        for line in report.lines(job, rows, names):
            yield writer.writerow(line)
