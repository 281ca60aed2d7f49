from django.urls import path

from viewings import views

app_name = "viewings"

urlpatterns = [
    path("", views.viewing_list, name="list"),
    path("hours/", views.hours, name="hours"),
    path("book/<id:listing_id>/", views.book, name="book"),
    path("<id:viewing_id>/ics", views.calendar_file, name="ics"),
    *(
        path(f"<id:viewing_id>/{move}/", views.act, {"move": move}, name=move)
        for move in ("confirm", "decline", "propose", "cancel", "done")
    ),
]
