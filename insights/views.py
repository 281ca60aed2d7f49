from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from insights import charts, market, selectors


@login_required
@require_GET
def agent_dashboard(request):
    agent = selectors.agent_for_dashboard(request.user)
    stats = selectors.agent_stats(agent=agent, page_number=request.GET.get("page"))
    return render(request, "insights/dashboard.html", {"stats": stats, "page": stats.page})


@require_GET
def city_market(request, slug: str):
    city = market.city_for_market(slug)
    report = market.city_market(city)
    return render(
        request,
        "insights/city_market.html",
        {"city": city, "report": report, "charts": charts.market_charts(report)},
    )
