"""The columns of an import file and the words of its actions, in the four languages; the template
a manager downloads (docs/design.md §5.14).

A file is read whatever the language of its header and of its actions: each column is known by its
heading in French, Dutch, German or English (and by its code), each action by its word in any of the
four. Case, accents and spaces around do not count.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NISS, GIVEN_NAME, SURNAME, EMAIL, GROUP, SERVICES, ACTION, REASON = (
    "niss",
    "given_name",
    "surname",
    "email",
    "group",
    "services",
    "action",
    "reason",
)
COLUMNS: dict[str, str | Promise] = {
    NISS: _("National register number"),
    GIVEN_NAME: _("Given name"),
    SURNAME: _("Surname"),
    EMAIL: _("E-mail address"),
    GROUP: _("Group"),
    SERVICES: _("Online services"),
    ACTION: _("Action"),
    REASON: _("Reason"),
}
REQUIRED = (NISS, GROUP, ACTION)
# Other names people give the number's column, in any language.
ALIASES = {"niss": NISS, "insz": NISS, "nrn": NISS, "rijksregisternummer": NISS, "ssin": NISS}

ADD, REMOVE, BLOCK, UNBLOCK = "add", "remove", "block", "unblock"
ACTIONS: dict[str, str | Promise] = {
    ADD: pgettext_lazy("action of an import", "add"),
    REMOVE: pgettext_lazy("action of an import", "remove"),
    BLOCK: pgettext_lazy("action of an import", "block"),
    UNBLOCK: pgettext_lazy("action of an import", "unblock"),
}
# Several online services in one cell: separated by these.
SERVICE_SEPARATORS = ("|", ",", ";")

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def folded(text: str) -> str:
    """A word as it is compared: without case, accents or surrounding spaces."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def in_every_language(texts: dict[str, str | Promise]) -> dict[str, str]:
    """Each text's key, by the text folded, in each of the four languages."""
    found: dict[str, str] = {}
    for language in LANGUAGES:
        with translation.override(language):
            for key, text in texts.items():
                found[folded(str(text))] = key
    return found


@cache
def _headings() -> dict[str, str]:
    return {**{folded(key): key for key in COLUMNS}, **ALIASES, **in_every_language(COLUMNS)}


@cache
def _actions() -> dict[str, str]:
    return {**{key: key for key in ACTIONS}, **in_every_language(ACTIONS)}


def column_of(heading: str) -> str | None:
    return _headings().get(folded(heading))


def action_of(word: str) -> str | None:
    return _actions().get(folded(word))


def headings(keys: Iterable[str] = COLUMNS) -> list[str]:
    """The headings of the columns, in the active language."""
    return [str(COLUMNS[key]) for key in keys]


def split_services(cell: str) -> list[str]:
    for separator in SERVICE_SEPARATORS[1:]:
        cell = cell.replace(separator, SERVICE_SEPARATORS[0])
    return [part.strip() for part in cell.split(SERVICE_SEPARATORS[0]) if part.strip()]


# --- The template ------------------------------------------------------------------------------------

TEMPLATE_SEPARATOR = ";"  # what a spreadsheet in Belgium opens into columns


def template(group: str, services: list[str]) -> str:
    """The template in the active language: the header and an example row that adds a person to
    `group` with `services` (names in the active language), `;`-separated, with a byte-order mark
    so that a spreadsheet reads it as UTF-8."""
    example = {
        NISS: "85.07.30-033.28",
        GIVEN_NAME: str(pgettext_lazy("example of an import", "Nina")),
        SURNAME: str(pgettext_lazy("example of an import", "Newcomer")),
        EMAIL: str(pgettext_lazy("example of an import", "nina.newcomer@example.be")),
        GROUP: group,
        SERVICES: ", ".join(services),
        ACTION: str(ACTIONS[ADD]),
        REASON: "",
    }
    out = io.StringIO()
    writer = csv.writer(out, delimiter=TEMPLATE_SEPARATOR, lineterminator="\r\n")
    writer.writerow(headings())
    writer.writerow([example[key] for key in COLUMNS])
    return "\ufeff" + out.getvalue()
