from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alerts import selectors, services
from alerts.forms import SavedSearchForm
from alerts.models import search_url


@login_required
@require_GET
def saved_search_list(request):
    searches = list(selectors.saved_searches_for(request.user))
    rows = [
        (search, SavedSearchForm(initial={"name": search.name, "frequency": search.frequency}))
        for search in searches
    ]
    return render(request, "alerts/list.html", {"rows": rows})


@login_required
@require_POST
def saved_search_create(request):
    """From the search page's "Save this search": the filters come as hidden inputs."""
    form = SavedSearchForm(request.POST)
    try:
        params = services.search_params_clean(request.POST)
    except services.SearchParamsError as error:
        form.is_valid()
        form.add_error(None, error.messages)
        params = {}
    if form.is_valid():
        try:
            saved_search = services.saved_search_create(
                user=request.user,
                name=form.cleaned_data["name"],
                params=params,
                frequency=form.cleaned_data["frequency"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            flash.success(request, _("Search saved as “%(name)s”.") % {"name": saved_search.name})
            return redirect(search_url(saved_search.params))
    return render(
        request,
        "alerts/save.html",
        {
            "form": form,
            "params": sorted(params.items()),
            "summary": services.search_summary(params),
        },
        status=400,
    )


@login_required
@require_POST
def saved_search_update(request, saved_search_id: int):
    saved_search = selectors.saved_search_of(user=request.user, saved_search_id=saved_search_id)
    form = SavedSearchForm(request.POST)
    if form.is_valid():
        try:
            services.saved_search_update(saved_search=saved_search, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
    if form.errors:
        searches = list(selectors.saved_searches_for(request.user))
        rows = [
            (
                search,
                form
                if search.pk == saved_search.pk
                else SavedSearchForm(initial={"name": search.name, "frequency": search.frequency}),
            )
            for search in searches
        ]
        return render(request, "alerts/list.html", {"rows": rows}, status=400)
    flash.success(request, _("Saved."))
    return redirect("alerts:list")


@login_required
@require_POST
def saved_search_delete(request, saved_search_id: int):
    saved_search = selectors.saved_search_of(user=request.user, saved_search_id=saved_search_id)
    services.saved_search_delete(saved_search=saved_search)
    flash.success(request, _("Saved search “%(name)s” deleted.") % {"name": saved_search.name})
    return redirect("alerts:list")
