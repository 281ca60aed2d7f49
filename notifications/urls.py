from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<id:notification_id>/open/", views.notification_open, name="open"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("settings/", views.email_settings, name="settings"),
]
