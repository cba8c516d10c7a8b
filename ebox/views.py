from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from access import policy, selectors
from access.views.common import get_actor_or_404, page_context, paginate, require
from ebox import selectors as ebox_selectors
from ebox import services


@login_required
def inbox(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_use_ebox(actor.standing))
    held = selectors.effective_services(actor.person, actor.enterprise, actor.standing)
    messages = ebox_selectors.messages_for(actor.person, actor.enterprise, held)
    context = page_context(
        actor,
        services=held,
        page=paginate(request, messages),
        unread=ebox_selectors.unread_count(actor.person, actor.enterprise, held),
        tasks=list(ebox_selectors.tasks_for(actor.enterprise, held)),
    )
    return render(request, "ebox/inbox.html", context)


@login_required
def message_detail(request: HttpRequest, enterprise_id: int, message_id: int) -> HttpResponse:
    """Reading a message marks it read, for this person only."""
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_use_ebox(actor.standing))
    held = selectors.effective_services(actor.person, actor.enterprise, actor.standing)
    message = get_object_or_404(ebox_selectors.messages_for(actor.person, actor.enterprise, held), pk=message_id)
    services.message_mark_read(actor, message)
    return render(request, "ebox/message.html", page_context(actor, services=held, message=message))
