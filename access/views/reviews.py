"""Access over time (docs/design.md §5.13): the access reviews (started and followed by the MAM and
co-MAMs, answered by each manager for the grants they may revoke) and the ending of unused access."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from access import policy, selectors, services
from access.forms import ReviewStartForm, UnusedAccessForm
from access.models import AccessReview, AccessReviewItem
from access.selectors import Actor
from access.services import ActionRefused
from access.views.common import get_actor_or_404, page_context, paginate, refused, require

ALL = "all"  # `?show=all`: every grant of the review in the manager's groups, not only theirs


@login_required
def review_list(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_view_reviews(actor.standing))
    context = page_context(
        actor,
        page=paginate(request, selectors.reviews_in_scope(actor)),
        follows=bool(policy.can_follow_reviews(actor.standing)),
    )
    return render(request, "access/review_list.html", context)


@login_required
def review_start(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_start_review(actor.standing))
    form = ReviewStartForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = services.review_start(
                actor, domain=data["domain"], deadline=data["deadline"], end_unconfirmed=data["end_unconfirmed"]
            )
        except ActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The access review has started: the managers are told by e-mail."))
            return redirect("access:review_detail", actor.enterprise.pk, review.pk)
    context = page_context(actor, form=form, open_review=selectors.open_review(actor.enterprise))
    return render(request, "access/review_start.html", context)


def _review(actor: Actor, review_id: int) -> AccessReview:
    return get_object_or_404(
        AccessReview.objects.select_related("domain", "started_by"), pk=review_id, enterprise=actor.enterprise
    )


@login_required
def review_detail(request: HttpRequest, enterprise_id: int, review_id: int) -> HttpResponse:
    """The progress of a review: its answers, and per manager who must answer."""
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_follow_reviews(actor.standing))
    review = _review(actor, review_id)
    context = page_context(
        actor,
        review=review,
        progress=selectors.review_progress(review),
        by_answerer=selectors.review_progress_by_answerer(review),
        answers=bool(policy.can_answer_review(actor.standing, review.domain_id)),
    )
    return render(request, "access/review_detail.html", context)


def _review_to_answer(actor: Actor, review_id: int) -> AccessReview:
    """A review whose grants the actor answers for: 403 for whoever answers for none in the
    enterprise, 404 for a review of another enterprise or none, 403 when it covers none of
    their groups."""
    require(policy.can_view_reviews(actor.standing))
    review = _review(actor, review_id)
    require(policy.can_answer_review(actor.standing, review.domain_id))
    return review


@login_required
def review_answer(request: HttpRequest, enterprise_id: int, review_id: int) -> HttpResponse:
    """The grants of a review that the manager answers for, each with its last use, to confirm or
    revoke one by one or a page at a time."""
    actor = get_actor_or_404(request, enterprise_id)
    review = _review_to_answer(actor, review_id)
    show_all = request.GET.get("show") == ALL
    page = paginate(request, selectors.review_items(actor, review, yours=not show_all))
    holders = selectors.standings_of(
        {item.grant.membership.person_id for item in page}, actor.enterprise.pk, actor.standing
    )
    rows = []
    for item in page:
        membership = item.grant.membership
        allowed = policy.can_review_grant(
            actor.standing, holders[membership.person_id], membership.group_id, review_open=review.is_open
        )
        answerable = bool(allowed) and item.still_granted and item.answer != AccessReviewItem.Answer.REVOKED
        rows.append((item, answerable))
    context = page_context(
        actor,
        review=review,
        page=page,
        rows=rows,
        confirmable=[item.grant_id for item, answerable in rows if answerable and item.answer == "open"],
        yours=selectors.your_review_progress(actor, review),
        show_all=show_all,
        filters=urlencode({"show": ALL}) if show_all else "",
    )
    return render(request, "access/review_answer.html", context)


def _back(request: HttpRequest, actor: Actor, review: AccessReview) -> HttpResponse:
    """Back to the page of the review's grants the manager answered from."""
    query: dict[str, Any] = {}
    if request.POST.get("show") == ALL:
        query["show"] = ALL
    page = request.POST.get("page", "")
    if page.isascii() and page.isdigit() and len(page) <= 9 and int(page) > 1:
        query["page"] = int(page)
    url = reverse("access:review_answer", args=[actor.enterprise.pk, review.pk])
    return redirect(f"{url}?{urlencode(query)}" if query else url)


def _item(actor: Actor, review: AccessReview, grant_id: int) -> AccessReviewItem:
    """The review's item of that grant, in the actor's groups; a grant not in the review is a 404."""
    return get_object_or_404(selectors.review_items(actor, review), grant_id=grant_id)


@login_required
@require_POST
def review_grant_confirm(request: HttpRequest, enterprise_id: int, review_id: int, grant_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    review = _review_to_answer(actor, review_id)
    item = _item(actor, review, grant_id)
    try:
        services.review_grant_confirm(actor, review, item)
    except ActionRefused as exc:
        refused(request, exc)
    else:
        named = {"service": item.grant.service.name, "name": item.grant.membership.person.full_name}
        messages.success(request, _("%(service)s of %(name)s is confirmed.") % named)
    return _back(request, actor, review)


@login_required
@require_POST
def review_grant_revoke(request: HttpRequest, enterprise_id: int, review_id: int, grant_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    review = _review_to_answer(actor, review_id)
    item = _item(actor, review, grant_id)
    try:
        services.review_grant_revoke(actor, review, item)
    except ActionRefused as exc:
        refused(request, exc)
    else:
        named = {"service": item.grant.service.name, "name": item.grant.membership.person.full_name}
        messages.success(request, _("%(service)s of %(name)s is revoked.") % named)
    return _back(request, actor, review)


@login_required
@require_POST
def review_page_confirm(request: HttpRequest, enterprise_id: int, review_id: int) -> HttpResponse:
    """Confirm the grants of a page left to answer. Every grant posted must be one of the review's
    in the actor's groups: otherwise nothing is confirmed (404)."""
    actor = get_actor_or_404(request, enterprise_id)
    review = _review_to_answer(actor, review_id)
    posted = request.POST.getlist("grant")
    if not posted or not all(value.isascii() and value.isdigit() and len(value) <= 18 for value in posted):
        raise Http404
    ids = {int(value) for value in posted}
    items = list(selectors.review_items(actor, review).filter(grant_id__in=ids))
    if len(items) != len(ids):
        raise Http404
    try:
        count = services.review_grants_confirm(actor, review, items)
    except ActionRefused as exc:
        refused(request, exc)
    else:
        text = ngettext("%(count)s online service confirmed.", "%(count)s online services confirmed.", count)
        messages.success(request, text % {"count": count})
    return _back(request, actor, review)


# --- Unused access -------------------------------------------------------------------------------


@login_required
def unused_access(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_change_unused_access(actor.standing))
    setting = selectors.unused_access_of(actor.enterprise)
    current = setting.months if setting else None
    form = UnusedAccessForm(request.POST or None, initial={"months": current or ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.unused_access_change(actor, form.cleaned_data["months"])
        except ActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The setting is saved."))
            return redirect("access:unused_access", actor.enterprise.pk)
    return render(request, "access/unused_access.html", page_context(actor, form=form, setting=setting))
