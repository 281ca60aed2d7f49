from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from favorites import selectors, services
from listings import hooks
from listings.models import Listing

PAGE_SIZE = 24
# A visitor's click on "Save", kept across logging in.
PENDING_SESSION_KEY = "favorite-after-login"


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_GET
def favorite_list(request):
    if not selectors.can_save_flats(request.user):
        raise PermissionDenied
    page = Paginator(selectors.favorites_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    hooks.with_card_notes(favorite.listing for favorite in page)
    return render(request, "favorites/list.html", {"page": page})


@require_POST
def favorite_set(request, listing_id: int):
    """The Save / Saved button: `saved=1` saves, `saved=0` unsaves. Script or plain form."""
    listing = get_object_or_404(Listing.objects.once_published(), pk=listing_id)
    back = _safe_next(request, listing.get_absolute_url())
    wanted = request.POST.get("saved") != "0"
    if not request.user.is_authenticated:
        if wanted:
            request.session[PENDING_SESSION_KEY] = listing.pk
        resume = f"{reverse('favorites:resume')}?{urlencode({'next': back})}"
        return redirect_to_login(resume)
    try:
        if wanted:
            services.favorite_add(user=request.user, listing=listing)
        else:
            services.favorite_remove(user=request.user, listing_id=listing.pk)
    except ValidationError as error:
        if _wants_json(request):
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        flash.error(request, " ".join(error.messages))
        return redirect(back)
    if _wants_json(request):
        return JsonResponse({"saved": wanted})
    return redirect(back)


@login_required
@require_GET
def favorite_resume(request):
    """Back from logging in: save what the visitor clicked, then return to their page."""
    listing_id = request.session.pop(PENDING_SESSION_KEY, None)
    listing = Listing.objects.once_published().filter(pk=listing_id).first()
    back = _safe_next(request, reverse("favorites:list"))
    if listing is not None:
        try:
            services.favorite_add(user=request.user, listing=listing)
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        else:
            flash.success(request, _("Saved to your flats."))
    return redirect(back)
