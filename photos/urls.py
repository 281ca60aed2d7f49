from django.urls import path

from photos import views

app_name = "photos"

urlpatterns = [
    path("<path:name>", views.private_media, name="private-media"),
]
