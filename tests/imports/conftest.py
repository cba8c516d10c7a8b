"""Helpers of the import tests: a manager's client uploads a file and reads its import."""

from collections.abc import Sequence

import pytest
from django.test import Client

from imports.models import Import
from tests.imports.files import csv_file


@pytest.fixture
def upload():
    """upload(client, enterprise, rows) -> the Import the file made (the page it led to is 200)."""

    def send(client: Client, enterprise_id: int, rows: Sequence[Sequence[str]], **options) -> Import:
        response = client.post(f"/e/{enterprise_id}/import/", {"file": csv_file(rows, **options)})
        assert response.status_code == 302, response.content.decode()[-3000:]
        job = Import.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
        assert client.get(response["Location"]).status_code == 200
        return job

    return send


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """commit(client, job): start the import as the page does; its task runs when the request commits."""

    def start(client, job: Import, path: str = "commit"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/e/{job.enterprise_id}/import/{job.pk}/{path}/")
        assert response.status_code == 302
        job.refresh_from_db()
        return response

    return start


def verdicts_of(job: Import) -> list[tuple[int, str, str]]:
    """(line, verdict in words, details in words) of each row, as the report gives them."""
    from imports import report, selectors

    names = selectors.service_names()
    return [(row.line, *report.result_of(row, names)) for row in selectors.rows_of(job)]
