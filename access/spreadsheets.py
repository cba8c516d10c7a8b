"""Downloads that a spreadsheet opens: `;`-separated UTF-8 with a byte-order mark (what
spreadsheets expect in Belgium), every cell that a spreadsheet would run as a formula made text
(OWASP's advice against CSV injection). The journal's export and the list of who could act on a
day are written through here (docs/decisions.md §8.8)."""

import csv
from collections.abc import Iterable, Iterator

from django.utils import translation

# A spreadsheet reads a cell that starts with one of these as a formula (or as the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs: a leading formula character gets a quote."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


class _Line:
    """What csv.writer writes to: each row comes back as its text, to be streamed."""

    def write(self, text: str) -> str:
        return text


def lines(rows: Iterable[Iterable[object]], language: str | None) -> Iterator[str]:
    """The rows as the lines of the file, each cell neutralised; made while the response is sent,
    after the view has returned, so in the reader's `language`."""
    with translation.override(language):
        writer = csv.writer(_Line(), delimiter=";")
        yield "\ufeff"  # the byte-order mark: spreadsheets then read UTF-8
        for row in rows:
            yield writer.writerow([neutralised(str(cell)) for cell in row])
