from django.urls import path

from renovations import views

app_name = "renovations"

urlpatterns = [
    path("", views.project_list, name="list"),
    path(
        "invitations/<int:invitation_id>/accept/",
        views.invitation_accept,
        name="invitation-accept",
    ),
    path(
        "invitations/<int:invitation_id>/decline/",
        views.invitation_decline,
        name="invitation-decline",
    ),
    path("<int:project_id>/", views.project_detail, name="project"),
    path("<int:project_id>/summary/", views.project_summary, name="summary"),
    path("<int:project_id>/edit/", views.project_edit, name="edit"),
    path("<int:project_id>/tasks/", views.task_add, name="task-add"),
    path("<int:project_id>/tasks/<int:task_id>/", views.task_edit, name="task-edit"),
    path("<int:project_id>/tasks/<int:task_id>/status/", views.task_status, name="task-status"),
    path("<int:project_id>/expenses/", views.expense_add, name="expense-add"),
    path(
        "<int:project_id>/expenses/<int:expense_id>/delete/",
        views.expense_delete,
        name="expense-delete",
    ),
    path("<int:project_id>/updates/", views.update_add, name="update-add"),
    path("<int:project_id>/members/", views.member_add, name="member-add"),
    path(
        "<int:project_id>/members/<int:member_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path(
        "<int:project_id>/invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation-cancel",
    ),
]
