from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from marketplace.schema import also_answers
from marketplace.text_input import JSONParser
from renovations import selectors, services
from renovations.models import RenovationProject, Role
from renovations.serializers import (
    ExpenseSerializer,
    ExpenseWriteSerializer,
    InvitationCreateSerializer,
    InvitationForYouSerializer,
    InvitationSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    ProjectSerializer,
    ProjectWriteSerializer,
    SummarySerializer,
    TaskSerializer,
    UpdatePostSerializer,
    UpdateSerializer,
)


class ProjectScoped(viewsets.ViewSet):
    """Every endpoint reads its project through the one access check: 404 to outsiders."""

    permission_classes = [IsAuthenticated]

    def project(self, role_needed: str = Role.VIEWER) -> RenovationProject:
        return selectors.project_for(
            user=self.request.user,
            project_id=self.kwargs["project_id"],
            role_needed=role_needed,
        )

    def context(self) -> dict:
        return {"request": self.request}


def _project_read(request, project_id: int) -> dict:
    project = selectors.projects_for(request.user).get(pk=project_id)
    return ProjectSerializer(project, context={"request": request}).data


class ProjectViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated]

    def _read(self, project_id: int) -> dict:
        return _project_read(self.request, project_id)

    @extend_schema(
        summary="Your renovation projects and those you are a member of",
        responses=ProjectSerializer(many=True),
    )
    def list(self, request):
        projects = selectors.projects_for(request.user)
        return Response(ProjectSerializer(projects, many=True, context={"request": request}).data)

    @extend_schema(
        summary="Start a project (buyers)",
        request=ProjectWriteSerializer,
        responses={201: ProjectSerializer},
    )
    def create(self, request):
        serializer = ProjectWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        from_template = data.pop("from_template", False)
        project = services.project_create(
            owner=request.user, data=data, from_template=from_template
        )
        return Response(self._read(project.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="One project", responses=ProjectSerializer)
    def retrieve(self, request, pk):
        selectors.project_for(user=request.user, project_id=pk)
        return Response(self._read(pk))

    @extend_schema(
        summary="Change a project (owner)",
        request=ProjectWriteSerializer,
        responses=ProjectSerializer,
    )
    def partial_update(self, request, pk):
        project = selectors.project_for(user=request.user, project_id=pk, role_needed=Role.OWNER)
        serializer = ProjectWriteSerializer(project, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "from_template"}
        services.project_update(project=project, by=request.user, data=data)
        return Response(self._read(pk))

    @extend_schema(summary="Budget, spending by category and progress", responses=SummarySerializer)
    def summary(self, request, pk):
        project = selectors.project_for(user=request.user, project_id=pk)
        return Response(SummarySerializer(selectors.project_summary(project)).data)


class MemberViewSet(ProjectScoped):
    @extend_schema(summary="Members (owner)", responses=MemberSerializer(many=True))
    @also_answers(403)  # to the members: only the owner sees who else is in
    def list(self, request, project_id):
        project = self.project(Role.OWNER)
        return Response(MemberSerializer(selectors.members_of(project), many=True).data)

    @extend_schema(
        summary="Invite someone by username as manager or viewer (owner)",
        description=(
            "Makes an invitation, not a member: the person sees the project once they accept "
            "it (`/api/v1/renovations/invitations/`). The answer is the same whether or not "
            "the username exists. Inviting a username already invited and not answered gives "
            "back that invitation (200) with the new role; nobody is told twice. At most "
            "`RENOVATION_PENDING_INVITATIONS_PER_PROJECT` (20) invitations wait per project "
            "(400), and an owner sends at most `RENOVATION_INVITATIONS_PER_DAY` (30) a day "
            "(429 with Retry-After)."
        ),
        request=InvitationCreateSerializer,
        responses={
            201: OpenApiResponse(InvitationSerializer, description="Invitation made."),
            200: OpenApiResponse(
                InvitationSerializer, description="Already invited: that invitation."
            ),
        },
    )
    def create(self, request, project_id):
        project = self.project(Role.OWNER)
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, created = services.invitation_create(
            project=project, by=request.user, **serializer.validated_data
        )
        return Response(
            InvitationSerializer(invitation).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Change a member's role (owner)",
        request=MemberRoleSerializer,
        responses=MemberSerializer,
    )
    def partial_update(self, request, project_id, pk):
        project = self.project(Role.OWNER)
        member = get_object_or_404(selectors.members_of(project), pk=pk)
        serializer = MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.member_set_role(
            member=member, by=request.user, role=serializer.validated_data["role"]
        )
        return Response(MemberSerializer(member).data)

    @extend_schema(
        summary="Remove a member: they lose access at once (owner)", responses={204: None}
    )
    def destroy(self, request, project_id, pk):
        project = self.project(Role.OWNER)
        member = get_object_or_404(selectors.members_of(project), pk=pk)
        services.member_remove(member=member, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectInvitationViewSet(ProjectScoped):
    @extend_schema(
        summary="Invitations not answered yet (owner)",
        responses=InvitationSerializer(many=True),
    )
    @also_answers(403)  # to the members: only the owner sees whom they invited
    def list(self, request, project_id):
        project = self.project(Role.OWNER)
        invitations = selectors.pending_invitations_of(project)
        return Response(InvitationSerializer(invitations, many=True).data)

    @extend_schema(
        summary="Cancel an invitation not answered yet (owner)",
        description="Cancelling twice is harmless; an answered invitation cannot be cancelled.",
        responses={204: None},
    )
    def destroy(self, request, project_id, pk):
        project = self.project(Role.OWNER)
        invitation = get_object_or_404(project.invitations.select_related("project"), pk=pk)
        services.invitation_cancel(invitation=invitation, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationForYouViewSet(viewsets.ViewSet):
    """The invitations sent to the signed-in user; anyone else's are a 404."""

    permission_classes = [IsAuthenticated]

    def _invitation(self, pk: int):
        return get_object_or_404(
            selectors.invitations_for(self.request.user).select_related("project"), pk=pk
        )

    @extend_schema(
        operation_id="v1_renovations_invitations_for_you_list",
        summary="Invitations to renovation projects waiting for your answer",
        responses=InvitationForYouSerializer(many=True),
    )
    def list(self, request):
        invitations = selectors.pending_invitations_for(request.user)
        return Response(InvitationForYouSerializer(invitations, many=True).data)

    @extend_schema(
        summary="Accept an invitation: the project is then yours to see in your role",
        description="Accepting twice gives the same answer; a declined or cancelled one is a 400.",
        request=None,
        responses=ProjectSerializer,
    )
    def accept(self, request, pk):
        invitation = self._invitation(pk)
        services.invitation_accept(invitation=invitation, by=request.user)
        return Response(_project_read(request, invitation.project_id))

    @extend_schema(
        summary="Decline an invitation",
        description="Declining twice is harmless; an accepted or cancelled one is a 400.",
        request=None,
        responses={204: None},
    )
    def decline(self, request, pk):
        services.invitation_decline(invitation=self._invitation(pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskViewSet(ProjectScoped):
    @extend_schema(summary="Tasks in order", responses=TaskSerializer(many=True))
    def list(self, request, project_id):
        project = self.project()
        return Response(TaskSerializer(selectors.tasks_of(project), many=True).data)

    @extend_schema(
        summary="Add a task (owner or manager)",
        request=TaskSerializer,
        responses={201: TaskSerializer},
    )
    def create(self, request, project_id):
        project = self.project(Role.MANAGER)
        serializer = TaskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "status"}
        task = services.task_create(project=project, by=request.user, data=data)
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a task or its status (managers up to done; only the owner accepts)",
        request=TaskSerializer,
        responses=TaskSerializer,
    )
    def partial_update(self, request, project_id, pk):
        project = self.project(Role.MANAGER)
        task = get_object_or_404(project.tasks, pk=pk)
        serializer = TaskSerializer(task, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        task = services.task_update(task=task, by=request.user, data=serializer.validated_data)
        return Response(TaskSerializer(task).data)

    @extend_schema(
        summary="Delete a task (owner or manager; accepted ones only the owner)",
        responses={204: None},
    )
    def destroy(self, request, project_id, pk):
        project = self.project(Role.MANAGER)
        services.task_delete(task=get_object_or_404(project.tasks, pk=pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Accept a done task: pay only for what you approved (owner)",
        request=None,
        responses=TaskSerializer,
    )
    def accept(self, request, project_id, pk):
        project = self.project(Role.OWNER)
        task = services.task_accept(task=get_object_or_404(project.tasks, pk=pk), by=request.user)
        return Response(TaskSerializer(task).data)


class ExpenseViewSet(ProjectScoped):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(summary="Expenses, newest first", responses=ExpenseSerializer(many=True))
    def list(self, request, project_id):
        project = self.project()
        expenses = selectors.expenses_of(project)
        return Response(ExpenseSerializer(expenses, many=True, context=self.context()).data)

    @extend_schema(
        summary="Record an expense, with an optional receipt photo (owner or manager)",
        request={
            "multipart/form-data": ExpenseWriteSerializer,
            "application/json": ExpenseWriteSerializer,
        },
        responses={201: ExpenseSerializer},
    )
    def create(self, request, project_id):
        project = self.project(Role.MANAGER)
        serializer = ExpenseWriteSerializer(data=request.data, project=project)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        receipt = data.pop("receipt", None)
        expense = services.expense_add(project=project, by=request.user, data=data, receipt=receipt)
        expense = selectors.expenses_of(project).get(pk=expense.pk)
        return Response(
            ExpenseSerializer(expense, context=self.context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Delete an expense and its receipt (owner or manager)", responses={204: None}
    )
    def destroy(self, request, project_id, pk):
        project = self.project(Role.MANAGER)
        expense = get_object_or_404(project.expenses.select_related("project"), pk=pk)
        services.expense_delete(expense=expense, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UpdateViewSet(ProjectScoped):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(summary="The timeline, newest first", responses=UpdateSerializer(many=True))
    def list(self, request, project_id):
        project = self.project()
        updates = selectors.updates_of(project)
        return Response(UpdateSerializer(updates, many=True, context=self.context()).data)

    @extend_schema(
        summary="Post an update with photos (owner or manager)",
        request={"multipart/form-data": UpdatePostSerializer},
        responses={201: UpdateSerializer},
    )
    def create(self, request, project_id):
        project = self.project(Role.MANAGER)
        photos = request.FILES.getlist("photos")
        serializer = UpdatePostSerializer(data={"note": request.data.get("note", "")})
        serializer.is_valid(raise_exception=True)
        update = services.update_post(
            project=project,
            by=request.user,
            note=serializer.validated_data.get("note", ""),
            photos=photos,
        )
        update = selectors.updates_of(project).get(pk=update.pk)
        return Response(
            UpdateSerializer(update, context=self.context()).data, status=status.HTTP_201_CREATED
        )
