from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("agent/", views.agent_dashboard, name="agent_dashboard"),
    path("cities/<slug:slug>/", views.city_market, name="city_market"),
]
