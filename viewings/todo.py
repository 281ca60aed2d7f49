"""What viewings adds to the agent's day: requests to answer on the admin index's to-do list, and
each listing's viewings among its figures (both through listings.hooks)."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from listings import hooks
from viewings.models import Viewing

SHOWN = 8


def viewings_to_confirm_todo(user) -> hooks.TodoGroup | None:
    if not (user.is_authenticated and user.is_agent):
        return None
    waiting = (
        Viewing.objects.filter(agent=user, status=Viewing.Status.REQUESTED)
        .filter(starts_at__gt=timezone.now())
        .select_related("listing", "buyer")
        .order_by("starts_at", "pk")
    )
    shown = list(waiting[: SHOWN + 1])
    if not shown:
        return None
    items = [
        hooks.TodoItem(
            text=_("%(buyer)s asks for a video viewing of “%(title)s”")
            % {"buyer": viewing.buyer.display_name, "title": viewing.listing.title},
            link=f"{reverse('viewings:list')}#viewing-{viewing.pk}",
            when=viewing.starts_at,
        )
        for viewing in shown[:SHOWN]
    ]
    return hooks.TodoGroup(
        title=_("Video viewings to confirm"),
        items=items,
        more=waiting.count() - SHOWN if len(shown) > SHOWN else 0,
        more_link=reverse("viewings:list"),
    )


def with_viewing_count(listings: QuerySet) -> QuerySet:
    """Annotate `viewing_count`: the viewings agreed or held for each listing, in the same query."""
    agreed = (
        Viewing.objects.filter(
            listing=OuterRef("pk"), status__in=[Viewing.Status.CONFIRMED, Viewing.Status.DONE]
        )
        .order_by()
        .values("listing")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return listings.annotate(
        viewing_count=Coalesce(Subquery(agreed, output_field=IntegerField()), 0)
    )
