"""What the layout of every page asks of the page it frames: whether it shows a form sent back
with errors (its title then starts with "Error:"), and where an error of the summary leads."""

from collections.abc import Iterable
from typing import Any

from django import forms, template
from django.utils.functional import LazyObject
from django.utils.translation import gettext, gettext_noop

register = template.Library()

# Translators: the suffix Django puts after every form label. The portal's own translation wins
# over Django's: French sets the colon apart with a narrow no-break space, as everywhere else.
LABEL_SUFFIX = gettext_noop(":")

# The widgets whose field is a group of inputs: an error leads to the first of them.
GROUPS_OF_INPUTS = {"checkboxselectmultiple", "radioselect"}


def _forms_in(value: Any, depth: int = 0) -> Iterable[forms.BaseForm]:
    """The forms in a value of a page's context: a form, or forms in a list, tuple or dict (the
    contact data's forms per address and per domain, Chaman's forms per channel)."""
    kind = type(value)  # never value.__class__: that would evaluate a lazy object (the CSRF token)
    if issubclass(kind, LazyObject):
        return
    if issubclass(kind, forms.BaseForm):
        yield value
    elif depth < 2 and issubclass(kind, list | tuple):
        for item in value:
            yield from _forms_in(item, depth + 1)
    elif depth < 2 and issubclass(kind, dict):
        for item in value.values():
            yield from _forms_in(item, depth + 1)


@register.simple_tag(takes_context=True)
def form_errors_shown(context: template.Context) -> bool:
    """Whether the page shows a form sent back with errors, whatever name the view gave it."""
    return any(form.is_bound and form.errors for value in context.flatten().values() for form in _forms_in(value))


@register.filter
def error_anchor(field: forms.BoundField) -> str:
    """The id of the input an error of this field leads to: the field's own, or the first of its
    checkboxes or radio buttons."""
    if field.widget_type in GROUPS_OF_INPUTS:
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


@register.filter
def first_visible_field(form: forms.BaseForm) -> forms.BoundField | None:
    """Where an error of the whole form leads: its first field (the username of the login form)."""
    fields = form.visible_fields()
    return fields[0] if fields else None


@register.filter
def fields_with_errors(form: forms.BaseForm) -> list[forms.BoundField]:
    return [field for field in form if field.errors]


@register.filter
def summary_errors(field: forms.BoundField) -> list[str]:
    """A field's errors as the summary lists them, away from the field: Django's bare "This field
    is required." names the field it is about."""
    required = forms.Field.default_error_messages["required"]
    return [
        gettext("%(field)s: this field is required.") % {"field": field.label}
        if error.code == "required" and error.message == required
        else message
        for error in field.errors.as_data()
        for message in error.messages
    ]
