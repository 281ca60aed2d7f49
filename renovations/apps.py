from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenovationsConfig(AppConfig):
    """An owner far away follows the renovation of their flat: work, money and photos."""

    name = "renovations"
    verbose_name = _("Renovations")

    def ready(self):
        from photos.access import register_private_photos
        from renovations.models import RenovationPhoto
        from renovations.selectors import project_photos_visible_to

        register_private_photos(RenovationPhoto.files_prefix, project_photos_visible_to)
