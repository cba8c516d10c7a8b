"""Chaman pages: the sender, its technical contact, its channels; and the structured messages."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import policy, selectors
from access.selectors import Actor
from access.services import ActionRefused
from access.views.common import get_actor_or_404, page_context, require
from chaman import services
from chaman.forms import (
    ChannelForm,
    ReplaceCredentialForm,
    SenderForm,
    StructuredMessagesForm,
    TechnicalContactForm,
    refuse_credential,
)
from chaman.models import Channel, Sender, StructuredMessageSettings


def _chaman_actor(request: HttpRequest, enterprise_id: int) -> Actor:
    actor = get_actor_or_404(request, enterprise_id)
    held = selectors.effective_services(actor.person, actor.enterprise, actor.standing)
    require(policy.can_use_chaman(actor.standing, held))
    return actor


def _sender(actor: Actor) -> Sender | None:
    return Sender.objects.filter(enterprise=actor.enterprise).select_related("technical_contact").first()


def _index(request: HttpRequest, actor: Actor, status: int = 200, **forms: Any) -> HttpResponse:
    sender = _sender(actor)
    contact = getattr(sender, "technical_contact", None) if sender else None
    initial = {"name": contact.name, "email": contact.email, "phone": contact.phone} if contact else None
    replace_forms = forms.get("replace_forms", {})
    # Each channel with its form to replace its key or certificate; the one sent back with an error shows it.
    channels = [
        (channel, replace_forms.get(channel.pk) or ReplaceCredentialForm(channel=channel))
        for channel in (sender.channels.all() if sender else [])
    ]
    context = page_context(
        actor,
        sender=sender,
        contact=contact,
        channels=channels,
        sender_form=forms.get("sender_form") or SenderForm(),
        contact_form=forms.get("contact_form") or TechnicalContactForm(initial=initial),
        channel_form=forms.get("channel_form") or ChannelForm(),
        replace_forms=replace_forms,
    )
    return render(request, "chaman/index.html", context, status=status)


@login_required
def index(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    return _index(request, _chaman_actor(request, enterprise_id))


@login_required
@require_POST
def sender_create(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = _chaman_actor(request, enterprise_id)
    form = SenderForm(request.POST)
    if not form.is_valid():
        return _index(request, actor, sender_form=form)
    try:
        services.sender_create(actor, **form.cleaned_data)
    except ActionRefused as exc:
        form.add_error(None, str(exc.message))
        return _index(request, actor, sender_form=form)
    messages.success(request, _("The sender is registered."))
    return redirect("chaman:index", actor.enterprise.pk)


@login_required
@require_POST
def contact_save(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """Change the technical contact, or add it when the sender has none; never a second one."""
    actor = _chaman_actor(request, enterprise_id)
    sender = get_object_or_404(Sender, enterprise=actor.enterprise)
    form = TechnicalContactForm(request.POST)
    if not form.is_valid():
        return _index(request, actor, contact_form=form)
    try:
        if request.POST.get("add"):
            services.technical_contact_add(actor, sender, **form.cleaned_data)
        else:
            services.technical_contact_change(actor, sender, **form.cleaned_data)
    except ActionRefused as exc:
        form.add_error(None, str(exc.message))
        return _index(request, actor, contact_form=form)
    messages.success(request, _("The technical contact is saved."))
    return redirect("chaman:index", actor.enterprise.pk)


@login_required
@require_POST
def channel_add(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = _chaman_actor(request, enterprise_id)
    sender = get_object_or_404(Sender, enterprise=actor.enterprise)
    form = ChannelForm(request.POST)
    if not form.is_valid():
        return _index(request, actor, channel_form=form)
    services.channel_add(actor, sender, form.cleaned_data)
    messages.success(request, _("The channel is added."))
    return redirect("chaman:index", actor.enterprise.pk)


def _channel(actor: Actor, channel_id: int) -> Channel:
    return get_object_or_404(Channel, pk=channel_id, sender__enterprise=actor.enterprise)


@login_required
@require_POST
def channel_toggle(request: HttpRequest, enterprise_id: int, channel_id: int) -> HttpResponse:
    actor = _chaman_actor(request, enterprise_id)
    channel = _channel(actor, channel_id)
    try:
        services.channel_set_active(actor, channel, active=not channel.active)
        messages.success(request, _("The channel is deactivated.") if channel.active else _("The channel is active."))
    except ActionRefused as exc:
        messages.error(request, str(exc.message))
    return redirect("chaman:index", actor.enterprise.pk)


@login_required
@require_POST
def channel_replace(request: HttpRequest, enterprise_id: int, channel_id: int) -> HttpResponse:
    actor = _chaman_actor(request, enterprise_id)
    channel = _channel(actor, channel_id)
    form = ReplaceCredentialForm(request.POST, channel=channel)
    if form.is_valid():
        try:
            services.channel_replace_credential(actor, channel, form.cleaned_data["credential"])
        except ValidationError as exc:
            refuse_credential(form, "credential", exc)
        except ActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The key or certificate is replaced."))
            return redirect("chaman:index", actor.enterprise.pk)
    return _index(request, actor, replace_forms={channel.pk: form})


@login_required
def structured_messages(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_manage_structured_messages(actor.standing))
    current = StructuredMessageSettings.objects.filter(enterprise=actor.enterprise).first()
    channels = Channel.objects.filter(sender__enterprise=actor.enterprise, active=True)
    form = StructuredMessagesForm(request.POST or None, instance=current, channels=channels)
    if request.method == "POST" and form.is_valid():
        try:
            services.structured_messages_save(actor, form.cleaned_data)
        except ActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The structured-message settings are saved."))
            return redirect("chaman:structured_messages", actor.enterprise.pk)
    return render(request, "chaman/structured_messages.html", page_context(actor, form=form))
