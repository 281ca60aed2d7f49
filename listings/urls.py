from django.urls import path

from listings import views

app_name = "listings"

urlpatterns = [
    path("", views.search, name="search"),
    path("<id:listing_id>/", views.detail, name="detail"),
]
