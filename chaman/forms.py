from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chaman.credentials import parse_certificate, parse_ssh_public_key
from chaman.models import Channel, StructuredMessageSettings
from portal.lib.phone import parse_phone


class TechnicalContactForm(forms.Form):
    name = forms.CharField(label=_("Technical contact"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"))
    phone = forms.CharField(label=_("Phone number"), max_length=30, required=False)

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"]
        return parse_phone(value) if value else ""


class SenderForm(TechnicalContactForm):
    number = forms.RegexField(
        label=_("Sender number"),
        regex=r"^[0-9]{3,10}$",
        max_length=10,
        error_messages={"invalid": _("A sender number has 3 to 10 digits.")},
    )
    field_order = ["number", "name", "email", "phone"]


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of channel"), choices=Channel.Kind.choices)
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
        kind = data.get("kind")
        if kind == Channel.Kind.SFTP:
            self._parse("ssh_public_key", parse_ssh_public_key, data, _("An SFTP channel needs an SSH public key."))
        if kind in (Channel.Kind.SOAP, Channel.Kind.REST):
            self._parse("certificate_pem", parse_certificate, data, _("This channel needs an X.509 certificate."))
        if kind == Channel.Kind.REST and not data.get("oauth_client_id"):
            self.add_error("oauth_client_id", _("A REST channel needs an OAuth client id."))
        return data

    def _parse(self, field: str, parse: Any, data: dict[str, Any], missing: Any) -> None:
        if not data.get(field):
            self.add_error(field, missing)
            return
        try:
            data[f"parsed_{field}"] = parse(data[field])
        except forms.ValidationError as exc:
            self.add_error(field, exc)


class ReplaceCredentialForm(forms.Form):
    credential = forms.CharField(label=_("New key or certificate"), widget=forms.Textarea(attrs={"rows": 4}))


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
