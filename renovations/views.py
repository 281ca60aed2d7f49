from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renovations import selectors, services
from renovations.chart import budget_chart
from renovations.forms import (
    ExpenseForm,
    MemberForm,
    ProjectEditForm,
    ProjectForm,
    TaskEditForm,
    TaskForm,
    UpdateForm,
)
from renovations.models import Role, Task


def _errors_to_form(form, error: ValidationError, renamed: dict | None = None) -> None:
    """A service's refusal shows on the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            field = (renamed or {}).get(field, field)
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@login_required
@require_http_methods(["GET", "POST"])
def project_list(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "from_template"}
        data["listing"] = data.pop("listing_link")
        try:
            project = services.project_create(
                owner=request.user, data=data, from_template=form.cleaned_data["from_template"]
            )
        except ValidationError as error:
            _errors_to_form(form, error, renamed={"listing": "listing_link"})
        else:
            return redirect(project)
    return render(
        request,
        "renovations/list.html",
        {
            "projects": selectors.projects_for(request.user),
            "invitations": list(selectors.pending_invitations_for(request.user)),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def render_project(request, project, status: int = 200, **forms):
    """The project page; a refused form comes back here with what was typed."""
    can_manage = selectors.can(project, Role.MANAGER)
    is_owner = project.role == Role.OWNER
    if can_manage:
        forms.setdefault("task_form", TaskForm(prefix="task"))
        forms.setdefault("expense_form", ExpenseForm(prefix="expense", project=project))
        forms.setdefault("update_form", UpdateForm(prefix="update"))
    if is_owner:
        forms.setdefault("member_form", MemberForm(prefix="member"))
    summary = selectors.project_summary(project)
    tasks = list(selectors.tasks_of(project))
    for task in tasks:
        task.moves = services.task_moves(task, project.role)
        task.editable = services.task_editable(task, project.role)
    return render(
        request,
        "renovations/project.html",
        {
            "project": project,
            "summary": summary,
            "chart": budget_chart(summary),
            "tasks": tasks,
            "expenses": list(selectors.expenses_of(project)),
            "updates": list(selectors.updates_of(project)),
            "members": list(selectors.members_of(project)) if is_owner else [],
            "invitations": list(selectors.pending_invitations_of(project)) if is_owner else [],
            "can_manage": can_manage,
            "is_owner": is_owner,
            **forms,
        },
        status=status,
    )


@login_required
@require_GET
def project_detail(request, project_id: int):
    return render_project(request, selectors.project_for(user=request.user, project_id=project_id))


@login_required
@require_GET
def project_summary(request, project_id: int):
    """A printable page: figures, tasks and spending, no navigation."""
    project = selectors.project_for(user=request.user, project_id=project_id)
    summary = selectors.project_summary(project)
    return render(
        request,
        "renovations/summary.html",
        {
            "project": project,
            "summary": summary,
            "chart": budget_chart(summary),
            "tasks": list(selectors.tasks_of(project)),
            "expenses": list(selectors.expenses_of(project)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, project_id: int):
    project = _owned(request, project_id)
    form = ProjectEditForm(
        request.POST or None, instance=selectors.projects_for(request.user).get(pk=project.pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(project=project, by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect(project)
    return render(
        request,
        "renovations/project_edit.html",
        {
            "project": project,
            "form": form,
            "overrun_tolerance_percent": selectors.OVERRUN_TOLERANCE_PERCENT,
        },
        status=400 if form.errors else 200,
    )


def _managed(request, project_id: int):
    return selectors.project_for(user=request.user, project_id=project_id, role_needed=Role.MANAGER)


@login_required
@require_POST
def task_add(request, project_id: int):
    project = _managed(request, project_id)
    form = TaskForm(request.POST, prefix="task")
    if form.is_valid():
        try:
            services.task_create(project=project, by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect(f"{project.get_absolute_url()}#tasks")
    return render_project(request, project, status=400, task_form=form)


@login_required
@require_POST
def task_status(request, project_id: int, task_id: int):
    """The buttons on a task: start, mark done, accept (owner), reopen."""
    accepting = request.POST.get("status") == Task.Status.ACCEPTED
    role_needed = Role.OWNER if accepting else Role.MANAGER
    project = selectors.project_for(
        user=request.user, project_id=project_id, role_needed=role_needed
    )
    task = get_object_or_404(project.tasks, pk=task_id)
    try:
        services.task_set_status(task=task, by=request.user, status=request.POST.get("status"))
    except ValidationError as error:
        for message in error.messages:
            flash.error(request, f"{task.name}: {message}")
    else:
        flash.success(
            request,
            _("“%(task)s” is now %(status)s.")
            % {"task": task.name, "status": Task.Status(request.POST["status"]).label},
        )
    return redirect(f"{project.get_absolute_url()}#task-{task.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request, project_id: int, task_id: int):
    project = _managed(request, project_id)
    task = get_object_or_404(project.tasks, pk=task_id)
    form = TaskEditForm(request.POST or None, instance=Task.objects.get(pk=task.pk))
    if request.method == "POST":
        if "delete" in request.POST:
            try:
                services.task_delete(task=task, by=request.user)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                return redirect(f"{project.get_absolute_url()}#tasks")
        elif form.is_valid():
            try:
                services.task_update(task=task, by=request.user, data=form.cleaned_data)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                return redirect(f"{project.get_absolute_url()}#task-{task.pk}")
    return render(
        request,
        "renovations/task_edit.html",
        {"project": project, "task": task, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def expense_add(request, project_id: int):
    project = _managed(request, project_id)
    form = ExpenseForm(request.POST, request.FILES, prefix="expense", project=project)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "receipt"}
        try:
            services.expense_add(
                project=project, by=request.user, data=data, receipt=form.cleaned_data["receipt"]
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect(f"{project.get_absolute_url()}#money")
    return render_project(request, project, status=400, expense_form=form)


@login_required
@require_POST
def expense_delete(request, project_id: int, expense_id: int):
    project = _managed(request, project_id)
    expense = get_object_or_404(project.expenses, pk=expense_id)
    services.expense_delete(expense=expense, by=request.user)
    flash.success(request, _("Expense deleted."))
    return redirect(f"{project.get_absolute_url()}#money")


@login_required
@require_POST
def update_add(request, project_id: int):
    project = _managed(request, project_id)
    form = UpdateForm(request.POST, request.FILES, prefix="update")
    if form.is_valid():
        try:
            services.update_post(
                project=project,
                by=request.user,
                note=form.cleaned_data["note"],
                photos=form.cleaned_data["photos"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect(f"{project.get_absolute_url()}#updates")
    return render_project(request, project, status=400, update_form=form)


def _owned(request, project_id: int):
    return selectors.project_for(user=request.user, project_id=project_id, role_needed=Role.OWNER)


@login_required
@require_POST
def member_add(request, project_id: int):
    """Invites: the answer is the same whether or not the username exists."""
    project = _owned(request, project_id)
    form = MemberForm(request.POST, prefix="member")
    if form.is_valid():
        try:
            invitation, _created = services.invitation_create(
                project=project, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            flash.success(
                request,
                _("“%(username)s” is invited. They will see the project once they accept.")
                % {"username": invitation.username},
            )
            return redirect(f"{project.get_absolute_url()}#members")
    return render_project(request, project, status=400, member_form=form)


@login_required
@require_POST
def invitation_cancel(request, project_id: int, invitation_id: int):
    project = _owned(request, project_id)
    invitation = get_object_or_404(project.invitations.select_related("project"), pk=invitation_id)
    try:
        services.invitation_cancel(invitation=invitation, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            flash.error(request, message)
    else:
        flash.success(
            request,
            _("The invitation to “%(username)s” is cancelled.") % {"username": invitation.username},
        )
    return redirect(f"{project.get_absolute_url()}#members")


def _invitation_for_me(request, invitation_id: int):
    return get_object_or_404(
        selectors.invitations_for(request.user).select_related("project"), pk=invitation_id
    )


@login_required
@require_POST
def invitation_accept(request, invitation_id: int):
    invitation = _invitation_for_me(request, invitation_id)
    try:
        services.invitation_accept(invitation=invitation, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            flash.error(request, message)
        return redirect("renovations:list")
    flash.success(request, _("You joined “%(project)s”.") % {"project": invitation.project.title})
    return redirect(invitation.project)


@login_required
@require_POST
def invitation_decline(request, invitation_id: int):
    invitation = _invitation_for_me(request, invitation_id)
    try:
        services.invitation_decline(invitation=invitation, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            flash.error(request, message)
    else:
        flash.success(
            request,
            _("You declined the invitation to “%(project)s”.")
            % {"project": invitation.project.title},
        )
    return redirect("renovations:list")


@login_required
@require_POST
def member_remove(request, project_id: int, member_id: int):
    project = _owned(request, project_id)
    member = get_object_or_404(project.members.select_related("project"), pk=member_id)
    services.member_remove(member=member, by=request.user)
    flash.success(
        request, _("%(name)s no longer sees this project.") % {"name": member.user.display_name}
    )
    return redirect(f"{project.get_absolute_url()}#members")
