from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasesConfig(AppConfig):
    """A buyer far away and the listing's agent go through the purchase step by step."""

    name = "purchases"
    verbose_name = _("Purchases")

    def ready(self):
        from photos.access import register_private_photos
        from purchases.models import StepPhoto
        from purchases.selectors import purchase_files_visible_to
        from purchases.services import purchases_see_viewing_done
        from viewings.hooks import register_viewing_done_receiver

        register_private_photos(StepPhoto.files_prefix, purchase_files_visible_to)
        # viewings names no app above it: a viewing done reaches the checklist through its hook.
        register_viewing_done_receiver(purchases_see_viewing_done)
