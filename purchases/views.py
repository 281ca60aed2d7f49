from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from listings.models import Listing
from purchases import selectors, services
from purchases import steps as checklist
from purchases.forms import ProposeForm, StepFileForm, StepForm
from purchases.models import Purchase
from purchases.responses import document_response


def _errors_to_form(form, error: ValidationError) -> None:
    """A service's refusal shows on the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _flash_refusal(request, error: ValidationError) -> None:
    for message in error.messages:
        flash.error(request, message)


@login_required
@require_GET
def purchase_list(request):
    purchases = list(selectors.purchases_for(request.user))
    for purchase in purchases:
        purchase.progress = selectors.listed_progress(purchase)
    propose_form = None
    if request.user.is_agent:
        propose_form = ProposeForm(conversations=selectors.proposable_conversations(request.user))
    return render(
        request,
        "purchases/list.html",
        {"purchases": purchases, "propose_form": propose_form},
    )


@login_required
@require_POST
def purchase_open(request):
    """A buyer from the listing page (`listing`), an agent from their purchases page
    (`conversation`: a buyer who asked about one of their flats)."""
    if request.user.is_agent:
        form = ProposeForm(
            request.POST, conversations=selectors.proposable_conversations(request.user)
        )
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    flash.error(request, message)
            return redirect("purchases:list")
        conversation = form.cleaned_data["conversation"]
        listing, buyer = conversation.listing, conversation.buyer
    else:
        listing = get_object_or_404(
            Listing.objects.visible_to(request.user), pk=request.POST.get("listing") or 0
        )
        buyer = None
    try:
        purchase = services.purchase_open(by=request.user, listing=listing, buyer=buyer)
    except ValidationError as error:
        _flash_refusal(request, error)
        return redirect("purchases:list" if request.user.is_agent else listing)
    flash.success(request, _("Proposed. The purchase starts once the other party accepts it."))
    return redirect(purchase)


def render_purchase(request, purchase: Purchase, *, status: int = 200, forms=None):
    """The purchase page; a refused form comes back here with what was typed."""
    forms = forms or {}
    steps = selectors.steps_of(purchase)
    progress = selectors.progress_of(steps)
    blockers = checklist.money_blockers(steps)
    can_change = purchase.status == Purchase.Status.ACTIVE
    can_add_files = purchase.status in (Purchase.Status.ACTIVE, Purchase.Status.COMPLETED)
    for step in steps:
        step.rule = checklist.rule_of(step)
        allowed = services.step_status_choices(step, purchase.role) if can_change else []
        step.form = forms.get(("step", step.pk)) or (
            StepForm(step=step, allowed=allowed) if allowed else None
        )
        step.file_form = forms.get(("file", step.pk)) or (
            StepFileForm(step=step) if can_add_files else None
        )
        step.money_warning = (
            services.money_warning(blockers)
            if step.rule.moves_money and blockers and not step.is_finished
            else ""
        )
    return render(
        request,
        "purchases/detail.html",
        {
            "purchase": purchase,
            "steps": steps,
            "progress": progress,
            "is_buyer": purchase.role == checklist.Side.BUYER,
            "may_accept": purchase.status == Purchase.Status.PROPOSED
            and purchase.opened_by_id != request.user.pk,
            "may_start_renovation": purchase.status == Purchase.Status.COMPLETED
            and purchase.role == checklist.Side.BUYER,
        },
        status=status,
    )


def _purchase(request, purchase_id: int) -> Purchase:
    return selectors.purchase_for(user=request.user, purchase_id=purchase_id)


@login_required
@require_GET
def purchase_detail(request, purchase_id: int):
    return render_purchase(request, _purchase(request, purchase_id))


@login_required
@require_POST
def purchase_accept(request, purchase_id: int):
    purchase = _purchase(request, purchase_id)
    try:
        services.purchase_accept(purchase=purchase, by=request.user)
    except ValidationError as error:
        _flash_refusal(request, error)
    else:
        flash.success(request, _("Accepted: the flat is reserved for this purchase."))
    return redirect(purchase)


@login_required
@require_POST
def purchase_abandon(request, purchase_id: int):
    purchase = _purchase(request, purchase_id)
    try:
        services.purchase_abandon(purchase=purchase, by=request.user)
    except ValidationError as error:
        _flash_refusal(request, error)
    else:
        flash.success(request, _("The purchase is stopped."))
    return redirect(purchase)


@login_required
@require_POST
def step_update(request, purchase_id: int, step_id: int):
    purchase = _purchase(request, purchase_id)
    step = selectors.step_for(purchase=purchase, step_id=step_id)
    allowed = services.step_status_choices(step, purchase.role)
    form = StepForm(request.POST, step=step, allowed=allowed)
    if form.is_valid():
        try:
            change = services.step_update(step=step, by=request.user, data=form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            if change.completed:
                flash.success(request, _("Every step is done: the purchase is complete."))
            return redirect(f"{purchase.get_absolute_url()}#step-{step.pk}")
    return render_purchase(request, purchase, status=400, forms={("step", step.pk): form})


@login_required
@require_POST
def step_file_add(request, purchase_id: int, step_id: int):
    purchase = _purchase(request, purchase_id)
    step = selectors.step_for(purchase=purchase, step_id=step_id)
    form = StepFileForm(request.POST, request.FILES, step=step)
    if form.is_valid():
        try:
            services.step_file_add(
                step=step,
                by=request.user,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            return redirect(f"{purchase.get_absolute_url()}#step-{step.pk}")
    return render_purchase(request, purchase, status=400, forms={("file", step.pk): form})


@login_required
@require_GET
def document_download(request, purchase_id: int, document_id: int):
    purchase = _purchase(request, purchase_id)
    return document_response(selectors.document_for(purchase=purchase, document_id=document_id))


@login_required
@require_POST
def renovation_start(request, purchase_id: int):
    purchase = _purchase(request, purchase_id)
    try:
        project = services.purchase_start_renovation(purchase=purchase, by=request.user)
    except ValidationError as error:
        _flash_refusal(request, error)
        return redirect(purchase)
    return redirect(project)
