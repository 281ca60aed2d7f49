from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from marketplace.object_ids import parse_object_id
from reviews import selectors, services
from reviews.forms import AnswerForm, ReviewForm

PAGE_SIZE = 20


def _errors_to_form(form, error: ValidationError) -> None:
    """A service's refusal shows on the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def render_agent_reviews(request, agent, *, status: int = 200, answer_form=None):
    """The agent's reviews page; a refused answer comes back here with what was typed."""
    page = Paginator(selectors.reviews_of_agent(agent, viewer=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    is_the_agent = request.user.pk == agent.pk
    for review in page:
        review.answer_form = None
        if answer_form is not None and answer_form.review.pk == review.pk:
            review.answer_form = answer_form  # refused, even as a second answer: say why
        elif is_the_agent and not review.is_answered and not review.is_hidden:
            review.answer_form = AnswerForm(review=review)
    to_review = []
    if request.user.is_authenticated and not request.user.is_agent:
        to_review = [
            *(
                ("purchase", p)
                for p in selectors.purchases_to_review(user=request.user, agent=agent)
            ),
            *(("viewing", v) for v in selectors.viewings_to_review(user=request.user, agent=agent)),
        ]
    return render(
        request,
        "reviews/agent.html",
        {
            "agent": agent,
            "rating": selectors.agent_rating(agent.pk),
            "page": page,
            "to_review": to_review,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
def agent_reviews(request, agent_id: int):
    return render_agent_reviews(request, selectors.reviewed_agent(agent_id))


def _source(request):
    """The purchase or viewing named by `?purchase=` or `?viewing=`: the user's own, or 404."""
    purchase_id = parse_object_id(request.GET.get("purchase", ""))
    if purchase_id is not None:
        return "purchase", selectors.own_purchase(user=request.user, purchase_id=purchase_id)
    viewing_id = parse_object_id(request.GET.get("viewing", ""))
    if viewing_id is not None:
        return "viewing", selectors.own_viewing(user=request.user, viewing_id=viewing_id)
    raise Http404


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_new(request):
    """The buyer's review of the agent of their completed purchase or done video viewing."""
    field, source = _source(request)
    existing = source.reviews.first()
    if existing is not None:
        flash.info(request, _("You have already reviewed the agent for this."))
        return redirect(existing)
    try:
        services.review_check_allowed(by=request.user, **{field: source})
    except ValidationError as error:
        refusal = error.messages
    else:
        refusal = []
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_create(by=request.user, **{field: source}, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            flash.success(request, _("Thank you: your review is on the agent's page."))
            return redirect(review)
    return render(
        request,
        "reviews/new.html",
        {
            "form": form,
            "source": source,
            "basis": field,
            "agent": source.agent,
            "refusal": refusal,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def review_answer(request, review_id: int):
    review = selectors.review_to_answer(user=request.user, review_id=review_id)
    form = AnswerForm(request.POST, review=review)
    if form.is_valid():
        try:
            services.review_answer(review=review, by=request.user, text=form.cleaned_data["answer"])
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            flash.success(request, _("Your answer is published under the review."))
            return redirect(review)
    return render_agent_reviews(request, request.user, status=400, answer_form=form)
