from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from listings.models import Listing
from listings.pages import render_listing_detail
from messaging import selectors, services
from messaging.forms import MessageForm, draft_key

INBOX_PAGE_SIZE = 30


@require_POST
def ask_agent(request, listing_id: int):
    """'Message the agent' on a listing page. A visitor logs in first; the text waits for them."""
    listing = get_object_or_404(Listing.objects.active(), pk=listing_id)
    form = MessageForm(request.POST)
    if not request.user.is_authenticated:
        request.session[draft_key(listing.pk)] = request.POST.get("body", "")[:5000]
        return redirect_to_login(f"{listing.get_absolute_url()}#message")
    if form.is_valid():
        try:
            conversation, _created = services.conversation_start(
                buyer=request.user, listing=listing, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            request.session.pop(draft_key(listing.pk), None)
            flash.success(request, _("Sent. You will be told when the agent answers."))
            return redirect("messaging:conversation", conversation.pk)
    # The page's "Message the agent" (templatetags/messaging.py) shows this form and its errors.
    return render_listing_detail(request, listing.pk, context={"message_form": form}, status=400)


@login_required
def inbox(request):
    paginator = Paginator(selectors.conversations_for(request.user), INBOX_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "messaging/inbox.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request, conversation_id: int):
    conversation = selectors.conversation_for_participant(
        user=request.user, conversation_id=conversation_id
    )
    form = MessageForm(request.POST or None)
    services.conversation_mark_read(conversation=conversation, reader=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_send(
                conversation=conversation, sender=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            return redirect(f"{reverse('messaging:conversation', args=[conversation.pk])}#latest")
    return render(
        request,
        "messaging/conversation.html",
        {
            "conversation": conversation,
            "other": conversation.other_party(request.user),
            "thread": list(selectors.messages_in(conversation=conversation)),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
