"""The journal's select, written in one pass (access.forms.Select), reads in a browser as Django's
own: the same options, labels, values, groups and selection, escaped the same way."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.utils import translation

from access.forms import Select
from access.models import AuditEvent


class Parsed(HTMLParser):
    """What a browser builds of the HTML: elements with their attributes, and their text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.nodes: list[tuple[object, ...]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.nodes.append(("start", tag, sorted(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.nodes.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.nodes.append(("text", data))


CHOICES = [
    ("", "Every action"),
    *AuditEvent.Action.choices,
    ("Odd", [("a&b", 'A & B "quoted" <b>'), (7, "D’Hondt's")]),
]


@pytest.mark.parametrize("value", ["membership_blocked", "", None, "a&b", 7, "unknown"])
@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
def test_the_select_is_djangos(value, language):
    attrs = {"id": "id_action", "aria-describedby": "id_action_helptext", "required": True, "disabled": False}
    with translation.override(language):
        django = forms.Select(choices=CHOICES).render("action", value, attrs)
        ours = Select(choices=CHOICES).render("action", value, attrs)
    assert Parsed(ours).nodes == Parsed(django).nodes
    assert ours.count("<option") == len(AuditEvent.Action.choices) + 3


def test_the_journal_filter_uses_it(world):
    from access.forms import JournalFilterForm
    from tests.factories import actor_of

    form = JournalFilterForm(actor=actor_of(world, world.main), posted=False)
    assert isinstance(form.fields["action"].widget, Select)
    assert isinstance(form.fields["group"].widget, Select)
