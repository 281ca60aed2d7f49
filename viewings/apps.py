from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ViewingsConfig(AppConfig):
    name = "viewings"
    verbose_name = _("Video viewings")
