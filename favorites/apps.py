from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FavoritesConfig(AppConfig):
    name = "favorites"
    verbose_name = _("Saved flats")

    def ready(self):
        from favorites.selectors import with_favorite_flag, with_save_count
        from favorites.services import favorites_notify_price_cut
        from listings import hooks

        # listings names no app above it: it annotates cards and announces cuts through hooks.
        hooks.register_viewer_flag(
            "is_favorite",
            with_favorite_flag,
            help_text="Saved by the signed-in buyer; false for everyone else.",
        )
        hooks.register_price_cut_receiver(favorites_notify_price_cut)
        hooks.register_listing_count("saves", with_save_count, label=_("Saves"))
