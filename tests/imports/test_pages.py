"""The pages of an import: the template in four languages, a bad file's message (and nothing kept),
a file too large cut short at 2 MB, the check of the CSRF token by the upload, the progress bar that
works without a script, and the menu's link."""

import csv
import io
import re

import pytest
from django.test import Client

from imports.models import Import
from imports.reading import MAX_BYTES
from tests.imports.files import csv_file, row

pytestmark = pytest.mark.django_db

TEMPLATES = {
    "fr": (
        [
            "Numéro de registre national",
            "Prénom",
            "Nom",
            "Adresse e-mail",
            "Groupe",
            "Services en ligne",
            "Action",
            "Motif",
        ],
        ["85.07.30-033.28", "Camille", "Dupont", "camille.dupont@example.be", "Employeur"],
        "ajouter",
    ),
    "nl": (
        ["Rijksregisternummer", "Voornaam", "Achternaam", "E-mailadres", "Groep", "Onlinediensten", "Actie", "Reden"],
        ["85.07.30-033.28", "Lotte", "Peeters", "lotte.peeters@example.be", "Werkgever"],
        "toevoegen",
    ),
    "de": (
        [
            "Nationalregisternummer",
            "Vorname",
            "Nachname",
            "E-Mail-Adresse",
            "Gruppe",
            "Online-Dienste",
            "Aktion",
            "Grund",
        ],
        ["85.07.30-033.28", "Lena", "Schmitz", "lena.schmitz@example.be", "Arbeitgeber"],
        "hinzufügen",
    ),
    "en": (
        [
            "National register number",
            "Given name",
            "Surname",
            "E-mail address",
            "Group",
            "Online services",
            "Action",
            "Reason",
        ],
        ["85.07.30-033.28", "Nina", "Newcomer", "nina.newcomer@example.be", "Employer"],
        "add",
    ),
}


@pytest.mark.parametrize("language", TEMPLATES)
def test_the_template_comes_in_four_languages_with_an_example_row(world, login, language):
    client = login(world.group_manager)
    response = client.get(f"/e/{world.enterprise.pk}/import/template/?language={language}")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith(f'-{language}.csv"')
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, example = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    expected_header, expected_start, action = TEMPLATES[language]
    assert header == expected_header
    assert example[:5] == expected_start
    assert example[6:] == [action, ""]
    # Two online services the Group Manager may grant in their group, by their names in that language.
    assert len(example[5].split(", ")) == 2


def test_the_page_offers_the_four_templates_and_the_menu_leads_to_it(world, login):
    page = login(world.group_manager).get(f"/e/{world.enterprise.pk}/import/").content.decode()
    for code, name in (("fr", "français"), ("nl", "Nederlands"), ("de", "Deutsch"), ("en", "English")):
        assert f'?language={code}" download hreflang="{code}">Template (<span lang="{code}">{name}</span>)' in page
    assert f'href="/e/{world.enterprise.pk}/import/">Import from a file</a>' in page
    member_page = login(world.member).get(f"/e/{world.enterprise.pk}/").content.decode()
    assert "Import from a file" not in member_page


def test_a_bad_file_is_refused_with_its_message_and_nothing_is_kept(world, login):
    client = login(world.group_manager)
    workbook = io.BytesIO(b"PK\x03\x04" + b"\x00" * 200)
    workbook.name = "users.xlsx"
    response = client.post(f"/e/{world.enterprise.pk}/import/", {"file": workbook})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Import users – Access Management</title>" in page
    assert 'role="alert"' in page
    assert "This is a spreadsheet workbook, not a CSV file." in page
    assert not Import.objects.exists()


@pytest.mark.parametrize("size", [MAX_BYTES + 1, 50 * 1024 * 1024])
def test_a_file_over_2_mb_is_cut_short_and_refused(world, login, size):
    client = login(world.group_manager)
    big = io.BytesIO(b"niss;group;action\r\n" + b"x" * size)
    big.name = "big.csv"
    response = client.post(f"/e/{world.enterprise.pk}/import/", {"file": big})
    assert response.status_code == 200
    assert "The file is larger than 2 MB: split it into files of at most 10,000 rows." in response.content.decode()
    assert not Import.objects.exists()


def test_the_upload_checks_the_csrf_token_itself(world, login):
    """The upload's view is left out of the CSRF middleware so that its size limit comes first: it
    checks the token itself."""
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.group_manager.user)
    url = f"/e/{world.enterprise.pk}/import/"
    forged = client.post(url, {"file": csv_file([row(world.member.niss, services="dmfa")])})
    assert forged.status_code == 403
    assert not Import.objects.exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode()).group(1)
    sent = client.post(url, {"csrfmiddlewaretoken": token, "file": csv_file([row(world.member.niss, services="dmfa")])})
    assert sent.status_code == 302
    assert Import.objects.count() == 1


def test_an_import_under_way_is_followed_without_a_script(world, login, upload):
    client = login(world.group_manager)
    job = upload(client, world.enterprise.pk, [row(world.member.niss, services="dmfa")])
    url = f"/e/{world.enterprise.pk}/import/{job.pk}/"
    preview = client.get(url).content.decode()
    assert "<progress" not in preview and 'http-equiv="refresh"' not in preview
    Import.objects.filter(pk=job.pk).update(status=Import.Status.RUNNING, processed=0)
    running = client.get(url).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in running
    assert '<progress id="import-progress" max="1" value="0"' in running
    assert f'data-progress-url="/e/{world.enterprise.pk}/import/{job.pk}/progress/"' in running
    assert "0 of 1 rows" in running
    Import.objects.filter(pk=job.pk).update(status=Import.Status.DONE, processed=1, carried_out=1)
    done = client.get(url).content.decode()
    assert 'http-equiv="refresh"' not in done
    assert '<progress id="import-progress" max="1" value="1"' in done
    assert "1 of 1 rows – finished" in done
