from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenovationsConfig(AppConfig):
    """An owner far away follows the renovation of their flat: work, money and photos."""

    name = "renovations"
    verbose_name = _("Renovations")

    def ready(self):
        from photos.access import register_private_photos
        from renovations.selectors import project_photos_visible_to
        from renovations.services import PHOTO_OWNER

        register_private_photos(PHOTO_OWNER, project_photos_visible_to)
