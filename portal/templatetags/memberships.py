"""A membership's status and its actions, as the rows of the users page, the group page and a
user's page draw them: in Python, once per row. Each replaces a template that the rows included,
with the same text and the same whitespace, so the pages are byte for byte what they were, and
the users page renders in 30-39% less time than through the included templates (their contexts,
their `{% blocktranslate %}`s, their `{% url %}`s: docs/benchmarks.md, "Fifth round").

    {% load memberships %}
    {% membership_status membership %}
    {% membership_actions enterprise person membership named_group=True %}

Translated text is markup, as in a template: `{% translate %}` and `{% blocktranslate %}` do not
escape it either; the values put into it are escaped.
"""

from datetime import date
from typing import Any

from django import template
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from portal.templatetags.links import address

register = template.Library()

_SVG = '<svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="20" height="20"><path d="{}"/></svg>'
_EYE = _SVG.format("M12 5C6 5 2 12 2 12s4 7 10 7 10-7 10-7-4-7-10-7zm0 11a4 4 0 1 1 0-8 4 4 0 0 1 0 8z")
_PENCIL = _SVG.format(
    "M3 17.3V21h3.7l11-11-3.7-3.7-11 11zM20.7 7a1 1 0 0 0 0-1.4l-2.3-2.3a1 1 0 0 0-1.4 0l-1.8 1.8 3.7 3.7L20.7 7z"
)
_BIN = _SVG.format("M6 19a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2V7H6v12zM19 4h-3.5l-1-1h-5l-1 1H5v2h14V4z")


def _markup(html: str) -> SafeString:
    # The portal's own markup and translations, every value escaped in.
    return mark_safe(html)  # noqa: S308  # nosec B308 B703


def _text(message: str, **values: Any) -> SafeString:
    """A translated message with its values escaped in, as `{% blocktranslate with ... %}` gives it."""
    return _markup(message % {name: conditional_escape(value) for name, value in values.items()})


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def _icon(href: str, label: str, title: str, svg: str) -> str:
    return f'<a class="icon" href="{conditional_escape(href)}" aria-label="{label}" title="{title}">{svg}</a>'


@register.simple_tag
def blocked_everywhere(until: date | None) -> SafeString:
    """A person blocked for all groups, until when if the block ends."""
    if until:
        return _text(gettext("blocked for all groups until %(day)s"), day=_day(until))
    return _markup(gettext("blocked for all groups"))


@register.simple_tag
def membership_status(membership: Any) -> SafeString:
    """The membership's status today, with the end of its block if it ends."""
    if membership.is_blocked and membership.blocked_until:
        return _text(gettext("blocked until %(day)s"), day=_day(membership.blocked_until))
    return conditional_escape(membership.status_display)


@register.simple_tag
def grant_until(grant: Any) -> SafeString:
    """The end of a grant that ends."""
    if grant.valid_until:
        return _text(gettext("until %(day)s"), day=_day(grant.valid_until))
    return _markup("")


@register.simple_tag
def membership_actions(enterprise: Any, person: Any, membership: Any, named_group: bool = False) -> SafeString:
    """The pencil and the bin of one membership where the view found that the policy allows them
    (`membership.can_edit`, `membership.can_delete`); named_group: their names say the group."""
    edit = delete = ""
    if getattr(membership, "can_edit", False):
        if named_group:
            label = _text(gettext("Edit %(name)s in %(group)s"), name=person.full_name, group=membership.group.name)
        else:
            label = _text(gettext("Edit %(name)s in this group"), name=person.full_name)
        href = address("access:membership_edit", enterprise.pk, membership.pk)
        edit = _icon(href, label, gettext("Edit"), _PENCIL)
    if getattr(membership, "can_delete", False):
        if named_group:
            label = _text(gettext("Delete %(name)s from %(group)s"), name=person.full_name, group=membership.group.name)
        else:
            label = _text(gettext("Delete %(name)s from this group"), name=person.full_name)
        href = address("access:membership_delete", enterprise.pk, membership.pk)
        delete = _icon(href, label, gettext("Delete"), _BIN)
    return _markup(f"\n\n{edit}\n{delete}\n")


@register.simple_tag
def row_actions(enterprise: Any, person: Any, membership: Any) -> SafeString:
    """The eye (the person's permissions), then the pencil and the bin of one membership."""
    label = _text(gettext("View the permissions of %(name)s"), name=person.full_name)
    view = _icon(address("access:user_detail", enterprise.pk, person.pk), label, gettext("View"), _EYE)
    actions = membership_actions(enterprise, person, membership)
    return _markup(f'\n\n<span class="row-actions">\n  {view}\n  {actions}\n</span>\n')
