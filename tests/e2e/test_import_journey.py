"""A Main Access Manager imports users from a file, in a real browser at 390 and 1366 pixels, a real
Celery worker carrying the import out: a workbook first, refused with what to do; then a CSV file,
whose check shows each row's verdict and changes nothing; the import started, its progress bar
followed to its end; the report downloaded; the import undone. Every page on the way is checked
with axe-core."""

import csv
import io
import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from access.identifiers import format_niss
from access.models import Membership, Person
from imports.models import Import
from tests import factories
from tests.e2e.conftest import follow_menu
from tests.imports.files import csv_text, row
from tests.imports.worker import celery_worker

pytestmark = pytest.mark.e2e

DIMONA = "Dimona (immediate declaration of employment)"
DMFA = "DmfA (multifunctional declaration)"


@pytest.fixture
def worker(e2e_world, tmp_path):
    with celery_worker(tmp_path / "worker.log") as log:
        yield log


@pytest.mark.parametrize("width", [390, 1366])
def test_a_manager_checks_imports_follows_and_undoes_a_file(
    page: Page, width: int, e2e_world, worker, log_in, assert_accessible
):
    world = e2e_world
    page.set_viewport_size({"width": width, "height": 900})
    main = page.get_by_role("main")
    newcomer = factories.niss()

    page.goto("/accounts/login/")
    log_in("main")
    page.get_by_role("link", name="Acme").click()
    follow_menu(page, "Import from a file")
    expect(page.get_by_role("heading", name="Import users", level=1)).to_be_visible()
    assert_accessible(f"import page at {width} px")

    # The template, in English.
    with page.expect_download() as download:
        main.get_by_role("link", name="Template (English)").click()
    assert download.value.suggested_filename == "import-template-en.csv"
    header = open(download.value.path(), encoding="utf-8-sig").readline()  # noqa: PTH123, SIM115 - the browser's file
    assert header.startswith("National register number;Given name;Surname;")

    # A workbook is refused, with what to do, and nothing is kept.
    upload = page.get_by_label("CSV file")
    workbook = FilePayload(name="users.xlsx", mimeType="application/vnd.ms-excel", buffer=b"PK\x03\x04" + b"\0" * 64)
    upload.set_input_files(files=[workbook])
    page.get_by_role("button", name="Check the file").click()
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading")).to_have_text("There is a problem")
    expect(alert.get_by_role("link")).to_have_text(
        "This is a spreadsheet workbook, not a CSV file. In your spreadsheet, choose Save as, "
        "then CSV UTF-8 or CSV (separator: semicolon)."
    )
    expect(alert).to_be_focused()
    expect(page).to_have_title("Error: Import users – Access Management")
    expect(page.get_by_label("CSV file")).to_have_attribute("aria-invalid", "true")
    assert_accessible(f"import page with a refused file at {width} px")
    assert not Import.objects.exists()

    # A CSV file: its check shows each row's verdict, and nothing has changed yet.
    text = csv_text(
        [
            row(newcomer, services="dimona, dmfa", given_name="Nina", surname="Newcomer", email="nina@example.be"),
            row(world.member.niss, services="dmfa"),
            row("85.07.30-033.29", given_name="Typo", surname="Number"),
        ]
    )
    staff = FilePayload(name="staff.csv", mimeType="text/csv", buffer=text.encode("utf-8-sig"))
    page.get_by_label("CSV file").set_input_files(files=[staff])
    page.get_by_role("button", name="Check the file").click()
    job = Import.objects.get()
    expect(page).to_have_url(f"/e/{world.enterprise.pk}/import/{job.pk}/")
    expect(page.get_by_role("heading", name=f"Import #{job.pk}", level=1)).to_be_visible()
    expect(main).to_contain_text("Status: checked, nothing done yet.")
    rows = main.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(4)
    expect(rows.nth(1).get_by_role("cell")).to_have_text(
        ["2", "Nina Newcomer", format_niss(newcomer)[:9] + "***.**", "Employer", "add", "new user",
         f"new to the portal; {DIMONA}, {DMFA}"]
    )  # fmt: skip
    expect(rows.nth(2).get_by_role("cell").nth(5)).to_have_text("new grant")
    expect(rows.nth(3).get_by_role("cell").nth(6)).to_have_text(
        "This national register number is not valid: its check digits do not match."
    )
    assert_accessible(f"check of a file at {width} px")
    assert not Person.objects.filter(niss=newcomer).exists()

    # Started: the progress bar follows the worker to the end.
    page.get_by_role("button", name="Start the import (2 changes)").click()
    progress = page.get_by_role("progressbar", name="Importing")
    expect(progress).to_be_visible()
    expect(page.locator("#progress-text")).to_have_text("2 of 2 rows – finished", timeout=30_000)
    expect(progress).to_have_attribute("value", "2")
    expect(progress).to_have_attribute("max", "2")
    expect(main).to_contain_text("Status: imported.")
    assert_accessible(f"import finished at {width} px")
    assert Membership.objects.filter(person__niss=newcomer, removed_at__isnull=True).exists()

    # The report, row by row.
    with page.expect_download() as download:
        main.get_by_role("link", name="Download the report (CSV)").click()
    assert download.value.suggested_filename == f"import-{job.pk}-report.csv"
    report = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: PTH123, SIM115 - the browser's file
    lines = list(csv.reader(io.StringIO(report), delimiter=";"))
    assert [line[0] for line in lines] == ["Line", "2", "3", "4"]
    assert [line[-2] for line in lines[1:]] == ["new user", "new grant", "refused"]

    # Undone: the undoing is followed the same way.
    page.get_by_role("button", name="Undo the import").click()
    expect(page.get_by_role("progressbar", name="Undoing")).to_be_visible()
    expect(page.locator("#progress-text")).to_have_text("2 of 2 rows – finished", timeout=30_000)
    expect(main).to_contain_text("Status: undone.")
    expect(main).to_contain_text("undone: 2")
    expect(main.get_by_role("button", name="Undo the import")).to_have_count(0)
    assert_accessible(f"import undone at {width} px")
    assert not Membership.objects.filter(person__niss=newcomer, removed_at__isnull=True).exists()
    assert re.search(r"succeeded", worker.read_text())
