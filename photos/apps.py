from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhotosConfig(AppConfig):
    """The image pipeline every photo goes through: upload checks, then safe web variants."""

    name = "photos"
    verbose_name = _("Photos")

    def ready(self):
        from django.conf import settings
        from PIL import Image
        from pillow_heif import register_heif_opener

        register_heif_opener()
        # Past this many pixels Pillow warns of a decompression bomb; the checks make it an error.
        Image.MAX_IMAGE_PIXELS = settings.PHOTO_MAX_PIXELS
