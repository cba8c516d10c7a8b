"""The online services' checkboxes, written in one pass (access.forms.CheckboxSelectMultiple), are
Django's own byte for byte: the same boxes, labels, values, groups and ticks, escaped the same
way, in each language; and the forms that offer services use them."""

import pytest
from django import forms
from django.utils import translation

from access.forms import CheckboxSelectMultiple, ServicesField
from access.models import OnlineService

ODD = [
    ("a&b", 'A & B "quoted" <b>'),
    ("Grouped", [(7, "D’Hondt's"), ("<x>", "x")]),
    ("", "Empty value"),
]


@pytest.mark.parametrize("value", [[], ["a&b"], ["a&b", 7, "<x>"], None, ["unknown"]])
@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"id": "id_services"},
        {"id": "id_services", "class": "boxes", "aria-describedby": "id_services_helptext", "disabled": True},
        {"id": "id_services", "required": False, "data-x": '"<>&'},
    ],
)
def test_odd_choices_are_djangos(value, attrs):
    django = forms.CheckboxSelectMultiple(choices=ODD).render("services", value, attrs)
    ours = CheckboxSelectMultiple(choices=ODD).render("services", value, attrs)
    assert ours == django
    assert ours.count("<input") == 4


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
def test_the_catalogues_services_are_djangos_in_every_language(catalogue, language):
    services = OnlineService.objects.order_by("code")
    chosen = list(services.values_list("pk", flat=True)[:3])

    class Django(forms.Form):
        services = forms.ModelMultipleChoiceField(
            queryset=OnlineService.objects.order_by("code"), widget=forms.CheckboxSelectMultiple, help_text="Choose"
        )

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["services"].label_from_instance = lambda service: service.name

    class Ours(forms.Form):
        services = ServicesField(queryset=OnlineService.objects.order_by("code"), help_text="Choose")

    with translation.override(language):
        for data in (None, {"services": [str(pk) for pk in chosen]}, {"services": ["nonsense"]}):
            django = Django(data)["services"].as_field_group()
            ours = Ours(data)["services"].as_field_group()
            assert ours == django
            assert ours.count("<input") == services.count() > 10
            assert ours.count(" checked") == (3 if data and data["services"] != ["nonsense"] else 0)


def test_the_forms_that_offer_services_use_them():
    from access.forms import AddUserForm
    from mandates.forms import OfferForm

    none = OnlineService.objects.none()
    for form in (OfferForm(services=none), AddUserForm(services=none)):
        assert isinstance(form.fields["services"].widget, CheckboxSelectMultiple)
