from django.urls import path

from purchases import views

app_name = "purchases"

urlpatterns = [
    path("", views.purchase_list, name="list"),
    path("open/", views.purchase_open, name="open"),
    path("<id:purchase_id>/", views.purchase_detail, name="detail"),
    path("<id:purchase_id>/accept/", views.purchase_accept, name="accept"),
    path("<id:purchase_id>/abandon/", views.purchase_abandon, name="abandon"),
    path("<id:purchase_id>/renovation/", views.renovation_start, name="renovation"),
    path("<id:purchase_id>/steps/<id:step_id>/", views.step_update, name="step"),
    path("<id:purchase_id>/steps/<id:step_id>/files/", views.step_file_add, name="step-file"),
    path(
        "<id:purchase_id>/documents/<id:document_id>/",
        views.document_download,
        name="document",
    ),
]
