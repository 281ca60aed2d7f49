from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<id:conversation_id>/", views.conversation, name="conversation"),
    path("ask/<id:listing_id>/", views.ask_agent, name="ask"),
]
