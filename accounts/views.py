from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.forms import MonthlySavingsForm, PasswordResetForm, SignupForm
from accounts.limits import check_password_reset_rate, check_signup_rate
from accounts.lockout import login_refusal
from marketplace.limits import LimitExceeded


def _refused(response, refusal: LimitExceeded):
    """The page with the form and its message, said as a 429 that tells when to come back."""
    response.status_code = 429
    response["Retry-After"] = str(refusal.retry_after)
    return response


@require_http_methods(["GET", "POST"])
def signup(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    form = SignupForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            check_signup_rate(request)
            user = services.buyer_register(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                email=form.cleaned_data.get("email", ""),
                language=request.LANGUAGE_CODE,
            )
        except LimitExceeded as error:
            refusal = error
            form.add_error(None, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(next_url or "home")
    response = render(request, "registration/signup.html", {"form": form, "next": next_url})
    return _refused(response, refusal) if refusal else response


class LoginView(auth_views.LoginView):
    """Django's log-in page; a log-in refused by the lock-out (accounts.lockout) comes back
    with the username kept and when to try again, as a 429."""

    redirect_authenticated_user = True

    def form_invalid(self, form):
        refusal = login_refusal(self.request)
        if refusal is None:
            return super().form_invalid(form)
        # Not "wrong password": during a lock-out no password is even checked.
        form.errors.pop(NON_FIELD_ERRORS, None)
        form.add_error(None, refusal)
        return _refused(self.render_to_response(self.get_context_data(form=form)), refusal)


class PasswordChangeView(auth_views.PasswordChangeView):
    """This session stays; every other session and every API token of the user ends."""

    def form_valid(self, form):
        services.user_set_password(
            user=form.user,
            password=form.cleaned_data["new_password1"],
            keep_session=self.request.session,
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    """Asking for a reset link answers the same whether or not the address is known."""

    form_class = PasswordResetForm

    def form_valid(self, form):
        try:
            check_password_reset_rate(self.request, email=form.cleaned_data["email"])
        except LimitExceeded as refusal:
            form.add_error(None, refusal)
            return _refused(self.form_invalid(form), refusal)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The new password ends every session and every API token of the user."""

    def form_valid(self, form):
        services.user_set_password(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


@login_required
@require_POST
def logout_all(request):
    """Log out of all devices: every session, this one too, and every API token."""
    services.user_end_sessions(user=request.user)
    logout(request)
    messages.success(request, _("You are logged out on every device and in every app."))
    return redirect("login")


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """The signed-in person's own page: their monthly savings (private), their password."""
    form = MonthlySavingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_set_monthly_savings(
            user=request.user, monthly_savings=form.cleaned_data["monthly_savings"]
        )
        messages.success(request, _("Your monthly savings are saved."))
        return redirect("account")
    return render(request, "registration/account.html", {"form": form})
