"""Writes of Chaman and of the structured-message settings: each in the enterprise's lock, with the
actor's standing and services read again inside it, and journaled there (access.writes)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from access import policy, selectors
from access.models import AuditEvent
from access.selectors import Actor
from access.writes import ActionRefused, check, locked, record
from chaman.credentials import Certificate, parse_certificate, parse_ssh_public_key
from chaman.models import Channel, Sender, StructuredMessageSettings, TechnicalContact

Action = AuditEvent.Action


CHANGED = _("This has just changed. Reload the page.")


def _check_chaman(actor: Actor) -> None:
    held = selectors.effective_services(actor.person, actor.enterprise, actor.standing)
    check(policy.can_use_chaman(actor.standing, held))


def sender_create(actor: Actor, *, number: str, name: str, email: str, phone: str) -> Sender:
    with locked(actor, _("This sender number is already used, or the enterprise already has a sender.")) as actor:
        _check_chaman(actor)
        sender = Sender.objects.create(enterprise=actor.enterprise, number=number)
        TechnicalContact.objects.create(sender=sender, name=name, email=email, phone=phone)
        record(actor, Action.CHAMAN_CHANGED, after={"sender": number, "technical_contact": name})
    return sender


def technical_contact_add(actor: Actor, sender: Sender, *, name: str, email: str, phone: str) -> None:
    """A sender has exactly one technical contact: a second one is refused (change it instead)."""
    with locked(actor, _("The sender already has its technical contact: change it instead.")) as actor:
        _check_chaman(actor)
        TechnicalContact.objects.create(sender=sender, name=name, email=email, phone=phone)
        record(actor, Action.CHAMAN_CHANGED, after={"technical_contact": name})


def technical_contact_change(actor: Actor, sender: Sender, *, name: str, email: str, phone: str) -> None:
    with locked(actor, CHANGED) as actor:
        _check_chaman(actor)
        contact = sender.technical_contact
        before = {"technical_contact": f"{contact.name} {contact.email} {contact.phone}".strip()}
        contact.name, contact.email, contact.phone = name, email, phone
        contact.save(update_fields=["name", "email", "phone"])
        record(
            actor, Action.CHAMAN_CHANGED, before=before, after={"technical_contact": f"{name} {email} {phone}".strip()}
        )


def _describe(channel: Channel) -> dict[str, Any]:
    return {
        "channel": channel.kind,
        "active": channel.active,
        "key_fingerprint": channel.key_fingerprint or None,
        "certificate_subject": channel.certificate_subject or None,
        "certificate_fingerprint": channel.certificate_fingerprint or None,
        "oauth_client_id": channel.oauth_client_id or None,
    }


def channel_set_credentials(
    channel: Channel, *, key: tuple[str, str] | None = None, certificate: Certificate | None = None
) -> None:
    """The channel's key or certificate, with what is read from it, from credentials.py's parsing
    only: the stored material and its fingerprint, subject and expiry always go together."""
    if not channel.takes_key or key is not None:
        channel.ssh_public_key, channel.key_fingerprint = key or ("", "")
    if not channel.takes_certificate or certificate is not None:
        channel.certificate_pem = certificate.pem if certificate else ""
        channel.certificate_subject = certificate.subject if certificate else ""
        channel.certificate_fingerprint = certificate.fingerprint if certificate else ""
        channel.certificate_expires_at = certificate.expires_at if certificate else None


def channel_add(actor: Actor, sender: Sender, data: dict[str, Any]) -> Channel:
    """Add a channel from a validated ChannelForm's data (key and certificate already parsed)."""
    with locked(actor, CHANGED) as actor:
        _check_chaman(actor)
        channel = Channel(sender=sender, kind=data["kind"])
        channel_set_credentials(
            channel, key=data.get("parsed_ssh_public_key"), certificate=data.get("parsed_certificate_pem")
        )
        if channel.takes_client_id:
            channel.oauth_client_id = data["oauth_client_id"]
        channel.save()
        record(actor, Action.CHAMAN_CHANGED, after=_describe(channel))
    return channel


def channel_set_active(actor: Actor, channel: Channel, *, active: bool) -> None:
    with locked(actor, CHANGED) as actor:
        _check_chaman(actor)
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        if not active and StructuredMessageSettings.objects.filter(channel=channel).exists():
            raise ActionRefused(_("Structured messages are delivered to this channel: choose another way first."))
        before = _describe(channel)
        channel.active = active
        channel.save(update_fields=["active"])
        record(actor, Action.CHAMAN_CHANGED, before=before, after=_describe(channel))


def channel_replace_credential(actor: Actor, channel: Channel, text: str) -> None:
    """A new SSH key (SFTP) or certificate (SOAP, REST); FTP has neither. Raises ValidationError."""
    with locked(actor, CHANGED) as actor:
        _check_chaman(actor)
        before = _describe(channel)
        if channel.takes_key:
            channel_set_credentials(channel, key=parse_ssh_public_key(text))
        elif channel.takes_certificate:
            channel_set_credentials(channel, certificate=parse_certificate(text))
        else:
            raise ActionRefused(_("An FTP channel has no key or certificate."))
        channel.save()
        record(actor, Action.CHAMAN_CHANGED, before=before, after=_describe(channel))


def structured_messages_save(actor: Actor, data: dict[str, Any]) -> StructuredMessageSettings:
    with locked(actor, CHANGED) as actor:
        check(policy.can_manage_structured_messages(actor.standing))
        channel = data.get("channel")
        if channel is not None and (not channel.active or channel.sender.enterprise_id != actor.enterprise.pk):
            raise ActionRefused(_("Choose an active technical channel of the enterprise."))
        settings, _created = StructuredMessageSettings.objects.select_for_update().get_or_create(
            enterprise=actor.enterprise
        )
        fields = ["exchanges", "contact_name", "contact_email", "delivery", "channel"]
        before = {f: str(getattr(settings, f)) for f in fields}
        for field in fields:
            setattr(settings, field, data.get(field))
        settings.save()
        record(
            actor,
            Action.STRUCTURED_MESSAGES_CHANGED,
            before=before,
            after={f: str(getattr(settings, f)) for f in fields},
        )
    return settings
