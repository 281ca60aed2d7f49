from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("agents/<id:agent_id>/reviews/", views.agent_reviews, name="agent"),
    path("reviews/new/", views.review_new, name="new"),
    path("reviews/<id:review_id>/answer/", views.review_answer, name="answer"),
]
