from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FavoritesConfig(AppConfig):
    name = "favorites"
    verbose_name = _("Saved flats")
