from django.urls import path

from renovations.api import (
    ExpenseViewSet,
    InvitationForYouViewSet,
    MemberViewSet,
    ProjectInvitationViewSet,
    ProjectViewSet,
    TaskViewSet,
    UpdateViewSet,
)

LIST = {"get": "list", "post": "create"}

urlpatterns = [
    path("", ProjectViewSet.as_view(LIST), name="renovation-list"),
    path(
        "invitations/",
        InvitationForYouViewSet.as_view({"get": "list"}),
        name="renovation-invitations-for-you",
    ),
    path(
        "invitations/<id:pk>/accept/",
        InvitationForYouViewSet.as_view({"post": "accept"}),
        name="renovation-invitation-accept",
    ),
    path(
        "invitations/<id:pk>/decline/",
        InvitationForYouViewSet.as_view({"post": "decline"}),
        name="renovation-invitation-decline",
    ),
    path(
        "<id:pk>/",
        ProjectViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="renovation-detail",
    ),
    path(
        "<id:pk>/summary/",
        ProjectViewSet.as_view({"get": "summary"}),
        name="renovation-summary",
    ),
    path("<id:project_id>/members/", MemberViewSet.as_view(LIST), name="renovation-members"),
    path(
        "<id:project_id>/members/<id:pk>/",
        MemberViewSet.as_view({"patch": "partial_update", "delete": "destroy"}),
        name="renovation-member",
    ),
    path(
        "<id:project_id>/invitations/",
        ProjectInvitationViewSet.as_view({"get": "list"}),
        name="renovation-invitations",
    ),
    path(
        "<id:project_id>/invitations/<id:pk>/",
        ProjectInvitationViewSet.as_view({"delete": "destroy"}),
        name="renovation-invitation",
    ),
    path("<id:project_id>/tasks/", TaskViewSet.as_view(LIST), name="renovation-tasks"),
    path(
        "<id:project_id>/tasks/<id:pk>/",
        TaskViewSet.as_view({"patch": "partial_update", "delete": "destroy"}),
        name="renovation-task",
    ),
    path(
        "<id:project_id>/tasks/<id:pk>/accept/",
        TaskViewSet.as_view({"post": "accept"}),
        name="renovation-task-accept",
    ),
    path("<id:project_id>/expenses/", ExpenseViewSet.as_view(LIST), name="renovation-expenses"),
    path(
        "<id:project_id>/expenses/<id:pk>/",
        ExpenseViewSet.as_view({"delete": "destroy"}),
        name="renovation-expense",
    ),
    path("<id:project_id>/updates/", UpdateViewSet.as_view(LIST), name="renovation-updates"),
]
