from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListingsConfig(AppConfig):
    name = "listings"
    verbose_name = _("Listings")

    def ready(self):
        from django.db.backends.signals import connection_created

        from listings import hooks, workbench
        from listings.aggregates import register_sqlite_median
        from listings.models import ListingPhoto, ListingProof
        from listings.selectors import listing_photos_visible_to, listing_proofs_visible_to
        from listings.services import listing_photo_ready, listing_photo_record_lookalikes
        from photos.access import register_private_photos
        from photos.hooks import register_hashed_receiver, register_ready_receiver

        # SQLite has no MEDIAN aggregate; give every new SQLite connection one so
        # the embedded default runs the same single query as PostgreSQL.
        connection_created.connect(register_sqlite_median, dispatch_uid="walkup-sqlite-median")
        register_private_photos(ListingPhoto.files_prefix, listing_photos_visible_to)
        # The agent's to-do list on the admin index starts with the listings' own.
        hooks.register_todo_provider(workbench.expiring_listings_todo)
        hooks.register_todo_provider(workbench.failed_photos_todo)
        register_private_photos(ListingProof.files_prefix, listing_proofs_visible_to)
        register_hashed_receiver(ListingPhoto, listing_photo_record_lookalikes)
        register_ready_receiver(ListingPhoto, listing_photo_ready)
