from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.phone import PhoneField
from contactdata.models import Address, ContactData, DomainContact


class GeneralForm(forms.ModelForm):
    general_phone = PhoneField(label=_("General phone number"), required=False)

    class Meta:
        model = ContactData
        fields = ["general_email", "general_phone", "correspondence_language"]


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ["street", "number", "box", "postal_code", "city"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["postal_code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "postal-code"})

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if len(value) != 4 or not value.isascii() or not value.isdigit() or value[0] == "0":
            raise forms.ValidationError(_("Enter a Belgian postal code of four digits, from 1000 to 9999."))
        return value


class DomainContactForm(forms.ModelForm):
    phone = PhoneField(label=_("Phone number"), required=False)

    class Meta:
        model = DomainContact
        fields = ["name", "email", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
