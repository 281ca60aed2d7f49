from django.urls import path

from renovations import views

app_name = "renovations"

urlpatterns = [
    path("", views.project_list, name="list"),
    path(
        "invitations/<id:invitation_id>/accept/",
        views.invitation_accept,
        name="invitation-accept",
    ),
    path(
        "invitations/<id:invitation_id>/decline/",
        views.invitation_decline,
        name="invitation-decline",
    ),
    path("<id:project_id>/", views.project_detail, name="project"),
    path("<id:project_id>/summary/", views.project_summary, name="summary"),
    path("<id:project_id>/edit/", views.project_edit, name="edit"),
    path("<id:project_id>/tasks/", views.task_add, name="task-add"),
    path("<id:project_id>/tasks/<id:task_id>/", views.task_edit, name="task-edit"),
    path("<id:project_id>/tasks/<id:task_id>/status/", views.task_status, name="task-status"),
    path("<id:project_id>/expenses/", views.expense_add, name="expense-add"),
    path(
        "<id:project_id>/expenses/<id:expense_id>/delete/",
        views.expense_delete,
        name="expense-delete",
    ),
    path("<id:project_id>/updates/", views.update_add, name="update-add"),
    path("<id:project_id>/members/", views.member_add, name="member-add"),
    path(
        "<id:project_id>/members/<id:member_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path(
        "<id:project_id>/invitations/<id:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation-cancel",
    ),
]
