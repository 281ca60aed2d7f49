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
        "invitations/<int:pk>/accept/",
        InvitationForYouViewSet.as_view({"post": "accept"}),
        name="renovation-invitation-accept",
    ),
    path(
        "invitations/<int:pk>/decline/",
        InvitationForYouViewSet.as_view({"post": "decline"}),
        name="renovation-invitation-decline",
    ),
    path(
        "<int:pk>/",
        ProjectViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="renovation-detail",
    ),
    path(
        "<int:pk>/summary/",
        ProjectViewSet.as_view({"get": "summary"}),
        name="renovation-summary",
    ),
    path("<int:project_id>/members/", MemberViewSet.as_view(LIST), name="renovation-members"),
    path(
        "<int:project_id>/members/<int:pk>/",
        MemberViewSet.as_view({"patch": "partial_update", "delete": "destroy"}),
        name="renovation-member",
    ),
    path(
        "<int:project_id>/invitations/",
        ProjectInvitationViewSet.as_view({"get": "list"}),
        name="renovation-invitations",
    ),
    path(
        "<int:project_id>/invitations/<int:pk>/",
        ProjectInvitationViewSet.as_view({"delete": "destroy"}),
        name="renovation-invitation",
    ),
    path("<int:project_id>/tasks/", TaskViewSet.as_view(LIST), name="renovation-tasks"),
    path(
        "<int:project_id>/tasks/<int:pk>/",
        TaskViewSet.as_view({"patch": "partial_update", "delete": "destroy"}),
        name="renovation-task",
    ),
    path(
        "<int:project_id>/tasks/<int:pk>/accept/",
        TaskViewSet.as_view({"post": "accept"}),
        name="renovation-task-accept",
    ),
    path("<int:project_id>/expenses/", ExpenseViewSet.as_view(LIST), name="renovation-expenses"),
    path(
        "<int:project_id>/expenses/<int:pk>/",
        ExpenseViewSet.as_view({"delete": "destroy"}),
        name="renovation-expense",
    ),
    path("<int:project_id>/updates/", UpdateViewSet.as_view(LIST), name="renovation-updates"),
]
