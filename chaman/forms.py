from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.phone import PhoneField
from chaman.credentials import PRIVATE_KEY_CODE, parse_certificate, parse_ssh_public_key
from chaman.models import (
    CERTIFICATE_KINDS,
    CLIENT_ID_KINDS,
    KEY_KINDS,
    Channel,
    ChannelKind,
    StructuredMessageSettings,
)


class TechnicalContactForm(forms.Form):
    name = forms.CharField(label=_("Technical contact"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"))
    phone = PhoneField(label=_("Phone number"), required=False)


class SenderForm(TechnicalContactForm):
    number = forms.RegexField(
        label=_("Sender number"),
        regex=r"^[0-9]{3,10}$",
        max_length=10,
        error_messages={"invalid": _("A sender number has 3 to 10 digits.")},
    )
    field_order = ["number", "name", "email", "phone"]


def refuse_credential(form: forms.BaseForm, field: str, error: ValidationError) -> None:
    """Show the error on the field; a pasted private key is not even shown back in the form."""
    if any(item.code == PRIVATE_KEY_CODE for item in error.error_list):
        data = form.data.copy() if isinstance(form.data, QueryDict) else dict(form.data)
        data[form.add_prefix(field)] = ""
        form.data = data
    form.add_error(field, error)


def clean_channel_credentials(form: forms.BaseForm, data: dict[str, Any], *, parse: Iterable[str] = ()) -> None:
    """What each kind of channel needs, for the portal's form and the admin's: the key (SFTP) or
    certificate (SOAP, REST) parsed into data["parsed_<field>"], the OAuth client id (REST).
    `parse` names the fields to parse; by default, those the kind needs."""
    kind = data.get("kind")
    needs = {
        "ssh_public_key": (
            kind in KEY_KINDS,
            parse_ssh_public_key,
            _("An SFTP channel needs an SSH public key."),
        ),
        "certificate_pem": (
            kind in CERTIFICATE_KINDS,
            parse_certificate,
            _("This channel needs an X.509 certificate."),
        ),
    }
    wanted = set(parse) or set(needs)
    for field, (needed, parser, missing) in needs.items():
        if not needed or field not in wanted:
            continue
        if not data.get(field):
            form.add_error(field, missing)
            continue
        try:
            data[f"parsed_{field}"] = parser(data[field])
        except ValidationError as exc:
            refuse_credential(form, field, exc)
    if kind in CLIENT_ID_KINDS and not data.get("oauth_client_id"):
        form.add_error("oauth_client_id", _("A REST channel needs an OAuth client id."))


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of channel"), choices=ChannelKind.choices)
    ssh_public_key = forms.CharField(
        label=_("SSH public key"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("For SFTP.")
    )
    certificate_pem = forms.CharField(
        label=_("X.509 certificate (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For SOAP and REST."),
    )
    oauth_client_id = forms.CharField(
        label=_("OAuth client id"), required=False, max_length=200, help_text=_("For REST.")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clean_channel_credentials(self, data)
        return data


class ReplaceCredentialForm(forms.Form):
    credential = forms.CharField(label=_("New key or certificate"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, channel: Channel, **kwargs: Any) -> None:
        kwargs["prefix"] = f"replace-{channel.pk}"
        super().__init__(*args, **kwargs)
        self.fields["credential"].label = _("New SSH public key") if channel.takes_key else _("New certificate (PEM)")


class StructuredMessagesForm(forms.ModelForm):
    class Meta:
        model = StructuredMessageSettings
        fields = ["exchanges", "contact_name", "contact_email", "delivery", "channel"]

    def __init__(self, *args: Any, channels: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels  # type: ignore[attr-defined]
        self.fields["channel"].help_text = _("Only the enterprise's active channels can be chosen.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("delivery") == StructuredMessageSettings.Delivery.CHANNEL and not data.get("channel"):
            self.add_error("channel", _("Choose the technical channel that receives the structured messages."))
        if data.get("delivery") == StructuredMessageSettings.Delivery.EBOX:
            data["channel"] = None
        if data.get("exchanges") and not data.get("contact_name"):
            self.add_error("contact_name", _("Give the contact person for structured messages."))
        return data
