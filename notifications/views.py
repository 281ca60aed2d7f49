from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from notifications import selectors, services
from notifications.forms import EmailSettingsForm

PAGE_SIZE = 30


@login_required
def notification_list(request):
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_open(request, notification_id: int):
    notification = get_object_or_404(selectors.notifications_for(request.user), pk=notification_id)
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    safe = url_has_allowed_host_and_scheme(notification.link, {request.get_host()})
    return redirect(notification.link if safe else "notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    services.notifications_mark_read(user=request.user)
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def email_settings(request):
    form = EmailSettingsForm(request.POST or None, initial=services.email_preferences(request.user))
    if request.method == "POST" and form.is_valid():
        services.email_preferences_set(user=request.user, email_by_kind=form.cleaned_data)
        flash.success(request, _("Saved."))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})
