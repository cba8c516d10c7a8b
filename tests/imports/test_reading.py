"""Reading an import file: what is accepted (UTF-8 with or without a byte-order mark, Windows-1252 as
Excel writes it, `;` or `,`, a header in any of the four languages), and what is refused as a whole
with a message that says what to do (docs/decisions.md §15)."""

import pytest
from django.utils import translation

from imports import columns, reading
from imports.reading import FileRefused
from tests.imports.files import HEADER, csv_text, row

NISS = "85.07.30-033.28"


def read(text: str, encoding: str = "utf-8") -> reading.ReadFile:
    return reading.read(text.encode(encoding))


def refusal(data: bytes) -> str:
    with pytest.raises(FileRefused) as refused:
        reading.read(data)
    return refused.value.message


@pytest.mark.parametrize(
    ("encoding", "read_as"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("windows-1252", "windows-1252")],
)
def test_utf8_with_or_without_its_mark_and_windows_1252_read_the_same_names(encoding, read_as):
    text = csv_text([row(NISS, given_name="Zoë", surname="Dubois-Ünal", reason="Départ – fin")])
    read_file = read(text, encoding)
    assert read_file.encoding == read_as
    [only] = read_file.rows
    assert (only.cells["given_name"], only.cells["surname"], only.cells["reason"]) == (
        "Zoë",
        "Dubois-Ünal",
        "Départ – fin",
    )
    assert only.line == 2


@pytest.mark.parametrize("separator", [";", ","])
def test_semicolons_and_commas_both_separate_the_columns(separator):
    text = csv_text([row(NISS, services="dimona, dmfa")], separator=separator)
    read_file = read(text)
    assert read_file.separator == separator
    assert read_file.rows[0].cells["services"] == "dimona, dmfa"
    assert read_file.rows[0].cells["group"] == "Employer"


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
def test_the_template_of_each_language_is_read_back_in_any_language(language):
    with translation.override(language):
        text = columns.template("Employer", ["Dimona"])
    with translation.override("en"):
        [example] = reading.read(text.encode("utf-8")).rows
    assert example.cells["niss"] == NISS
    assert example.cells["group"] == "Employer"
    assert columns.action_of(example.cells["action"]) == "add"


def test_the_header_names_the_columns_in_any_order_with_any_case_and_accents():
    text = csv_text([["Employeur", "AJOUTER", NISS]], header=["groupe", "ACTION", " NISS "])
    [only] = read(text).rows
    assert (only.cells["group"], only.cells["action"], only.cells["niss"]) == ("Employeur", "AJOUTER", NISS)
    assert only.cells["surname"] == ""
    assert columns.action_of("Débloquer") == columns.action_of("debloquer") == "unblock"
    assert columns.action_of("entsperren") == "unblock" and columns.action_of("verwijderen") == "remove"


def test_empty_lines_of_a_spreadsheet_are_skipped_and_lines_are_those_of_the_file():
    text = csv_text([row(NISS), [""] * 8, row(NISS, group="Taxpayer")]) + ";;;;;;;\r\n"
    assert [r.line for r in read(text).rows] == [2, 4]


def test_a_quoted_cell_over_two_lines_keeps_the_line_where_its_row_starts():
    text = csv_text([row(NISS, reason="Left\non Friday", action="block"), row(NISS, group="Taxpayer")])
    assert [r.line for r in read(text).rows] == [2, 4]


def test_a_workbook_is_refused_with_what_to_do():
    message = refusal(b"PK\x03\x04" + b"\x00" * 100)
    assert message == (
        "This is a spreadsheet workbook, not a CSV file. In your spreadsheet, choose Save as, "
        "then CSV UTF-8 or CSV (separator: semicolon)."
    )


def test_utf16_unicode_text_is_refused():
    data = csv_text([row(NISS)]).encode("utf-16")
    assert refusal(data).startswith("This file is in UTF-16 (“Unicode text”), which the import does not read.")


def test_a_file_with_control_characters_is_not_a_text_file():
    assert refusal(b"niss;group;action\r\n\x01\x02;x;add\r\n").startswith("This is not a text file.")


def test_a_mark_of_utf8_on_a_file_that_is_not_is_refused():
    assert refusal(b"\xef\xbb\xbfniss;group;action\r\n\x81\x8d;x;add\r\n").startswith(
        "The file says it is UTF-8 but is not."
    )


def test_tabs_between_the_columns_are_refused():
    text = csv_text([row(NISS)], separator="\t")
    assert refusal(text.encode()).startswith("The columns are separated by tabs: separate them with ; or ,")


def test_a_first_line_that_names_no_column_is_refused_with_the_expected_columns():
    message = refusal(f"{NISS}|Employer|add\r\n".encode())
    assert message == (
        "The first line does not name the columns, or they are not separated by ; or ,. Expected: "
        "National register number; Given name; Surname; E-mail address; Group; Online services; Action; Reason."
    )


def test_unknown_twice_named_and_missing_columns_are_refused():
    assert refusal(b"NISS;Group;Action;Department\r\n1;2;3;4\r\n").startswith("Unknown column: “Department”.")
    assert refusal(b"NISS;Group;Action;INSZ\r\n1;2;3;4\r\n") == (
        "These columns are named twice: National register number."
    )
    assert refusal(b"NISS;Surname\r\n1;2\r\n") == "These columns are missing: Group; Action."


def test_a_line_with_more_cells_than_columns_is_refused():
    text = csv_text([row(NISS), [*row(NISS), "extra"]])
    assert refusal(text.encode()) == (
        "Some lines have more cells than the header has columns: 3. Does a cell hold a ; without quotes around it?"
    )


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t"])
def test_a_cell_that_starts_as_a_formula_refuses_the_whole_file(start):
    text = csv_text([row(NISS), row(NISS, surname=f'{start}HYPERLINK("http://evil")')])
    message = refusal(text.encode())
    assert message == (
        "Some cells start with =, +, -, @ or a tab, as a spreadsheet formula does: line 3 (Surname). "
        "Write the values themselves; nothing of this file has been imported."
    )


def test_many_formulas_are_counted_beyond_the_first_five():
    text = csv_text([row(NISS, given_name="=1", surname="=2") for _ in range(4)])
    assert (
        refusal(text.encode())
        .split(": ", 1)[1]
        .startswith(
            "line 2 (Given name), line 2 (Surname), line 3 (Given name), line 3 (Surname), "
            "line 4 (Given name) and 3 more."
        )
    )


def test_a_file_over_two_megabytes_is_refused_before_it_is_read():
    data = csv_text([row(NISS)]).encode() + b" " * reading.MAX_BYTES
    assert refusal(data) == "The file is larger than 2 MB: split it into files of at most 10,000 rows."


def test_more_than_ten_thousand_rows_are_refused():
    text = "niss;group;action\r\n" + f"{NISS};Employer;add\r\n" * (reading.MAX_ROWS + 1)
    assert refusal(text.encode()) == "The file has more than 10,000 rows: split it into several files."
    assert len(reading.read(text.encode()[: -len(f"{NISS};Employer;add\r\n")]).rows) == reading.MAX_ROWS


def test_empty_files_and_a_header_alone_are_refused():
    assert refusal(b"") == "The file is empty."
    assert refusal(b"\r\n  \r\n") == "The file is empty."
    assert refusal(";".join(HEADER).encode() + b"\r\n") == "The file has a header but no rows."


def test_the_messages_speak_the_readers_language():
    with translation.override("fr"):
        assert refusal(b"").startswith("Le fichier est vide")
