from django import template

from alerts.forms import SavedSearchForm
from alerts.services import SEARCH_PARAMS, search_summary

register = template.Library()


@register.inclusion_tag("alerts/_save_search.html", takes_context=True)
def save_search_form(context):
    """ "Save this search" for the search page's current filters (nothing when they are wrong).

    The page has validated them with its filter set already: no query is run again here.
    """
    request, filterset = context["request"], context.get("filterset")
    if filterset is None or not filterset.is_valid():
        return {"show": False}
    params = {
        name: value.strip()
        for name in SEARCH_PARAMS
        if isinstance(value := request.GET.get(name), str) and value.strip()
    }
    city = filterset.form.cleaned_data.get("city")
    return {
        "show": True,
        "request": request,
        "user": request.user,
        "params": sorted(params.items()),
        "form": SavedSearchForm(initial={"name": search_summary(params, city=city)}),
    }
