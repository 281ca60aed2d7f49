from django.urls import path

from favorites import views

app_name = "favorites"

urlpatterns = [
    path("", views.favorite_list, name="list"),
    path("resume/", views.favorite_resume, name="resume"),
    path("<id:listing_id>/", views.favorite_set, name="set"),
]
