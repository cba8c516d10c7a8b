"""Reading an import file (docs/design.md §5.14, docs/decisions.md §15): its encoding, its
separator, its header, its rows. A file that cannot be read as the portal expects is refused as a
whole, with a message that says what to do (`FileRefused`), and nothing of it is kept.

- At most MAX_BYTES and MAX_ROWS rows (the upload stops reading beyond MAX_BYTES: imports.uploads).
- UTF-8, with or without a byte-order mark, or Windows-1252 as Excel writes "CSV (separator)" in
  Western Europe. A workbook, UTF-16 ("Unicode text") or a file with control characters is refused.
- `;` or `,` between the columns, found from the header; the header names the columns in any of the
  four languages (imports.columns), each once; an unknown heading is refused.
- A cell that starts as a formula does (=, +, -, @, a tab or a carriage return) is refused: the file
  says where. The report, in turn, writes every cell so that no spreadsheet runs it.
"""

import csv
import io
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from access.journal_display import FORMULA_STARTS
from imports import columns

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
SEPARATORS = (";", ",")
SHOWN = 5  # places of a mistake named in a message; the others are counted

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx (a zip), .xls
CONTROL = {chr(code) for code in range(32)} - {"\t", "\n", "\r"}


class FileRefused(Exception):
    """The file as a whole cannot be imported; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Row:
    line: int  # of the file, where the row starts (the header is line 1)
    cells: dict[str, str]  # by column, stripped; a column the file does not have is ""


@dataclass(frozen=True)
class ReadFile:
    encoding: str
    separator: str
    rows: list[Row]


def too_large() -> FileRefused:
    return FileRefused(
        _("The file is larger than %(size)s MB: split it into files of at most %(rows)s rows.")
        % {"size": MAX_BYTES // (1024 * 1024), "rows": number_format(MAX_ROWS, force_grouping=True)}
    )


def _save_as_csv() -> str:
    return _("In your spreadsheet, choose Save as, then CSV UTF-8 or CSV (separator: semicolon).")


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read in."""
    if data.startswith(WORKBOOKS):
        raise FileRefused(_("This is a spreadsheet workbook, not a CSV file.") + " " + _save_as_csv())
    if data.startswith(UTF16_BOMS):
        raise FileRefused(
            _("This file is in UTF-16 (“Unicode text”), which the import does not read.") + " " + _save_as_csv()
        )
    if data.startswith(UTF8_BOM):
        try:
            return data[len(UTF8_BOM) :].decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            raise FileRefused(_("The file says it is UTF-8 but is not.") + " " + _save_as_csv()) from None
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("windows-1252"), "windows-1252"
        except UnicodeDecodeError:
            raise FileRefused(_("The file’s characters cannot be read.") + " " + _save_as_csv()) from None
    if CONTROL & set(text):
        raise FileRefused(_("This is not a text file.") + " " + _save_as_csv())
    return text, encoding


def _header(text: str) -> tuple[str, list[str]]:
    """The separator and the header's cells: the separator under which the header names columns."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    best: tuple[int, str, list[str]] | None = None
    for separator in SEPARATORS:
        cells = next(csv.reader([first], delimiter=separator), [])
        known = sum(1 for cell in cells if columns.column_of(cell))
        if known and (best is None or known > best[0]):
            best = (known, separator, cells)
    if best is None:
        expected = "; ".join(columns.headings())
        if "\t" in first:
            raise FileRefused(
                _("The columns are separated by tabs: separate them with ; or , as a CSV file does.")
                + " "
                + _save_as_csv()
            )
        raise FileRefused(
            _("The first line does not name the columns, or they are not separated by ; or ,. Expected: %(columns)s.")
            % {"columns": expected}
        )
    return best[1], best[2]


def _columns(cells: list[str]) -> list[str | None]:
    keys = [columns.column_of(cell) if cell.strip() else None for cell in cells]
    unknown = [cell.strip() for cell, key in zip(cells, keys, strict=True) if key is None and cell.strip()]
    if unknown:
        names = ", ".join(_("“%(name)s”") % {"name": name} for name in unknown)
        raise FileRefused(
            _("Unknown column: %(names)s. The columns are: %(columns)s.")
            % {"names": names, "columns": "; ".join(columns.headings())}
        )
    named = [key for key in keys if key]
    twice = sorted({key for key in named if named.count(key) > 1})
    if twice:
        raise FileRefused(
            _("These columns are named twice: %(columns)s.") % {"columns": "; ".join(columns.headings(twice))}
        )
    missing = [key for key in columns.REQUIRED if key not in named]
    if missing:
        raise FileRefused(
            _("These columns are missing: %(columns)s.") % {"columns": "; ".join(columns.headings(missing))}
        )
    return keys


def _places(places: list[str]) -> str:
    shown = ", ".join(places[:SHOWN])
    if len(places) > SHOWN:
        more = len(places) - SHOWN
        shown += " " + ngettext("and %(count)s more", "and %(count)s more", more) % {"count": more}
    return shown


def read(data: bytes) -> ReadFile:
    """The rows of an import file, or FileRefused."""
    if len(data) > MAX_BYTES:
        raise too_large()
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    text, encoding = decode(data)
    separator, header = _header(text)
    keys = _columns(header)
    reader = csv.reader(io.StringIO(text.lstrip("\r\n")), delimiter=separator)
    next(reader)
    rows: list[Row] = []
    formulas: list[str] = []
    overflowing: list[str] = []
    start = 2
    for record in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue  # a spreadsheet's empty line
        if any(cell.strip() for cell in record[len(keys) :]):
            overflowing.append(str(line))
            continue
        cells = {key: "" for key in columns.COLUMNS}
        for key, cell in zip(keys, record, strict=False):
            if key is None:
                continue
            if cell.lstrip(" ").startswith(FORMULA_STARTS):
                formulas.append(_("line %(line)s (%(column)s)") % {"line": line, "column": columns.COLUMNS[key]})
            cells[key] = cell.strip()
        rows.append(Row(line=line, cells=cells))
        if len(rows) > MAX_ROWS:
            raise FileRefused(
                _("The file has more than %(rows)s rows: split it into several files.")
                % {"rows": number_format(MAX_ROWS, force_grouping=True)}
            )
    if overflowing:
        raise FileRefused(
            _(
                "Some lines have more cells than the header has columns: %(lines)s. "
                "Does a cell hold a %(separator)s without quotes around it?"
            )
            % {"lines": _places(overflowing), "separator": separator}
        )
    if formulas:
        raise FileRefused(
            _(
                "Some cells start with =, +, -, @ or a tab, as a spreadsheet formula does: %(places)s. "
                "Write the values themselves; nothing of this file has been imported."
            )
            % {"places": _places(formulas)}
        )
    if not rows:
        raise FileRefused(_("The file has a header but no rows."))
    return ReadFile(encoding=encoding, separator=separator, rows=rows)
