from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenovationsConfig(AppConfig):
    """An owner far away follows the renovation of their flat: work, money and photos."""

    name = "renovations"
    verbose_name = _("Renovations")
