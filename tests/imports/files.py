"""Import files as a spreadsheet writes them, for the tests."""

from collections.abc import Iterable, Sequence

from django.core.files.uploadedfile import SimpleUploadedFile

HEADER = (
    "National register number",
    "Given name",
    "Surname",
    "E-mail address",
    "Group",
    "Online services",
    "Action",
    "Reason",
)


def csv_text(rows: Iterable[Sequence[str]], header: Sequence[str] = HEADER, separator: str = ";") -> str:
    def cell(value: str) -> str:
        if separator in value or '"' in value or "\n" in value:
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [separator.join(cell(value) for value in line) for line in [header, *rows]]
    return "\r\n".join(lines) + "\r\n"


def csv_file(
    rows: Iterable[Sequence[str]],
    *,
    header: Sequence[str] = HEADER,
    separator: str = ";",
    encoding: str = "utf-8-sig",
    name: str = "users.csv",
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_text(rows, header, separator).encode(encoding), content_type="text/csv")


def row(niss: str | None, group: str = "Employer", action: str = "add", services: str = "", **cells: str) -> list[str]:
    """A row in the order of HEADER."""
    return [
        niss or "",
        cells.get("given_name", ""),
        cells.get("surname", ""),
        cells.get("email", ""),
        group,
        services,
        action,
        cells.get("reason", ""),
    ]
