from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

# Django's own salt, so that a session made before session_generation existed stays valid.
SESSION_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


class User(AbstractUser):
    class Role(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        AGENT = "agent", _("Agent")

    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.BUYER)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Emails are written in this language."),
    )
    # Part of every session's hash: raising it ends all the user's sessions
    # (accounts.services.user_end_sessions), as a password change does in plain Django.
    session_generation = models.PositiveIntegerField(
        _("session generation"), default=0, editable=False
    )
    # The buyer's own figure for the listing pages' "months of savings"; shown to nobody else.
    monthly_savings = models.PositiveIntegerField(
        _("monthly savings (yuan)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10_000_000)],
        help_text=_("What you put aside in a month. Only you see it."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_agent(self) -> bool:
        return self.role == self.Role.AGENT

    def get_session_auth_hash(self):
        return self._session_auth_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        # Sessions signed with a key in SECRET_KEY_FALLBACKS must end with the generation too.
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=fallback_secret)

    def _session_auth_hash(self, *, secret) -> str:
        # Generation 0 hashes exactly as Django does: deploying this logs nobody out.
        value = self.password
        if self.session_generation:
            value = f"{self.password}:{self.session_generation}"
        return salted_hmac(SESSION_HASH_SALT, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def display_name(self) -> str:
        if _is_chinese(self.last_name + self.first_name):
            return f"{self.last_name}{self.first_name}"  # 陈静: family name first, no space
        return self.get_full_name() or self.username


class AgentProfile(models.Model):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="agent_profile", verbose_name=_("user")
    )
    agency_name = models.CharField(_("agency name"), max_length=120)
    licence_number = models.CharField(_("licence number"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    bio = models.TextField(_("bio"), blank=True, max_length=2000)
    cities_served = models.ManyToManyField(
        "listings.City", blank=True, related_name="agents", verbose_name=_("cities served")
    )
    fee_percent = models.DecimalField(
        _("fee (percent of the price)"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_("The agent's stated fee, paid by the buyer, e.g. 1.5."),
    )
    verified = models.BooleanField(
        _("verified"), default=False, help_text=_("Set by staff after checking the licence.")
    )

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self):
        return f"{self.user.display_name} ({self.agency_name})"
