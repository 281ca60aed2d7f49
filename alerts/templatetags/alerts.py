from django import template

from alerts.forms import SavedSearchForm
from alerts.services import SearchParamsError, search_params_clean, search_summary

register = template.Library()


@register.inclusion_tag("alerts/_save_search.html", takes_context=True)
def save_search_form(context):
    """ "Save this search" for the search page's current filters (nothing when they are wrong)."""
    request = context["request"]
    try:
        params = search_params_clean(request.GET)
    except SearchParamsError:
        return {"show": False}
    return {
        "show": True,
        "request": request,
        "user": request.user,
        "params": sorted(params.items()),
        "form": SavedSearchForm(initial={"name": search_summary(params)}),
    }
