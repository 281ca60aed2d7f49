from django.urls import path

from insights.api import AgentStatsView, CityMarketView

urlpatterns = [
    path("agents/me/stats/", AgentStatsView.as_view(), name="agent-stats"),
    path("cities/<slug:slug>/market/", CityMarketView.as_view(), name="city-market"),
]
