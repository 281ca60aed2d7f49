from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.saved_search_list, name="list"),
    path("new/", views.saved_search_create, name="create"),
    path("<id:saved_search_id>/", views.saved_search_update, name="update"),
    path("<id:saved_search_id>/delete/", views.saved_search_delete, name="delete"),
]
