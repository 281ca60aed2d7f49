"""An agent's listings as a spreadsheet (django-import-export), in and out.

Import goes through the listing services (`listing_create`, `listing_update`), row by row, so a
spreadsheet obeys every rule a form does; a row naming a listing number the agent does not
manage is refused. The admin previews every row with its errors and saves nothing unless all of
them are valid (one transaction, rolled back on any error).
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from listings import services
from listings.models import City, District, Listing

Status = Listing.Status


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole number, or a message the agent understands (never a traceback)."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        try:
            number = Decimal(str(value).replace(",", "").replace("，", "").strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
        if abs(number) >= 10**12:
            raise ValueError(_("“%(value)s” is too big.") % {"value": value})
        return int(number)


class DecimalNumberWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        try:
            number = Decimal(str(value).replace(",", "").replace("，", "").strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) >= 10**12:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
        return number


class YesNoWidget(widgets.BooleanWidget):
    """1/0, true/false, yes/no, 是/否 or 有/无; anything else is an error, not a silent no."""

    TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "yes", "Yes", "YES", "是", "有"]
    FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "no", "No", "NO", "否", "无", "没有"]

    def clean(self, value, row=None, **kwargs):
        value = value.strip() if isinstance(value, str) else value
        if value in self.TRUE_VALUES:
            return True
        if value in self.FALSE_VALUES or value in self.NULL_VALUES:
            return False
        raise ValueError(_("Write 1 for yes or 0 for no, not “%(value)s”.") % {"value": value})


class CityWidget(widgets.ForeignKeyWidget):
    """A city by its slug (hegang) or its name in either language."""

    def __init__(self):
        super().__init__(City, "slug")

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if not value:
            raise ValueError(_("Name the city."))
        city = City.objects.filter(Q(slug=value) | Q(name=value) | Q(name_zh=value)).first()
        if city is None:
            raise ValueError(_("There is no city “%(name)s”.") % {"name": value})
        return city


class DistrictWidget(widgets.ForeignKeyWidget):
    """A district by its name in either language, in the row's city."""

    def __init__(self):
        super().__init__(District, "name")

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if not value:
            raise ValueError(_("Name the district."))
        city = str((row or {}).get("city") or "").strip()
        district = (
            District.objects.filter(
                Q(city__slug=city) | Q(city__name=city) | Q(city__name_zh=city),
            )
            .filter(Q(name=value) | Q(name_zh=value))
            .first()
        )
        if district is None:
            raise ValueError(
                _("There is no district “%(name)s” in “%(city)s”.") % {"name": value, "city": city}
            )
        return district


class ListingResource(resources.ModelResource):
    """One row per listing; `id` is the listing's number (empty for a new flat)."""

    city = fields.Field(attribute="city", column_name="city", widget=CityWidget())
    district = fields.Field(attribute="district", column_name="district", widget=DistrictWidget())
    price_per_m2 = fields.Field(attribute="price_per_m2", column_name="price_per_m2", readonly=True)

    class Meta:
        model = Listing
        fields = ["id", "status", *services.EDITABLE_FIELDS, "price_per_m2"]
        export_order = [
            "id",
            "status",
            "title",
            "city",
            "district",
            "community_name",
            "street_address",
            "price",
            "area_m2",
            "price_per_m2",
            "rooms",
            "floor",
            "total_floors",
            "has_elevator",
            "heating",
            "heating_fee_per_m2",
            "condition",
            "year_built",
            "has_ownership_certificate",
            "description",
        ]
        import_id_fields = ["id"]
        use_transactions = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if isinstance(f, models.BooleanField):
            return YesNoWidget
        if isinstance(f, models.DecimalField):
            return DecimalNumberWidget
        if isinstance(f, models.IntegerField):
            return WholeNumberWidget
        return super().widget_from_django_field(f, default)

    def __init__(self, *, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def get_queryset(self):
        return Listing.objects.managed_by(self.user).select_related("city", "district")

    def import_data(self, dataset, *args, **kwargs):
        # One invalid row and nothing is kept, in the preview and the confirmed import alike.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, *args, **kwargs)

    def before_import(self, dataset, **kwargs):
        # A spreadsheet is a few hundred flats at most; a bigger file is a mistake (or a flood).
        limit = settings.LISTING_IMPORT_MAX_ROWS
        if len(dataset) > limit:
            raise ValidationError(
                _("A spreadsheet has at most %(count)d rows; split this one.") % {"count": limit}
            )
        if "id" not in (dataset.headers or []):
            dataset.append_col([""] * len(dataset), header="id")  # all new flats

    def before_import_row(self, row, **kwargs):
        if row.get("status") in (None, ""):
            if row.get("id") in (None, ""):
                row["status"] = Status.DRAFT
            else:
                row.pop("status", None)  # an existing listing keeps its status

    def get_instance(self, instance_loader, row):
        """An existing listing only among the agent's own: another number is refused."""
        number = str(row.get("id") or "").strip()
        if not number:
            return None
        listing = None
        if number.isdigit():
            listing = self.get_queryset().filter(pk=int(number)).first()
        if listing is None:
            raise ValidationError(
                {"id": _("You have no listing number %(number)s.") % {"number": number}}
            )
        return listing

    def init_instance(self, row=None):
        return Listing(agent=self.user)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Through the services, as a form would: each rule, the price history, the alerts."""
        data = {name: getattr(instance, name) for name in services.EDITABLE_FIELDS}
        if is_create:
            data["status"] = instance.status
            instance.pk = services.listing_create(by=self.user, data=data).pk
            return
        stored = Listing.objects.get(pk=instance.pk)
        if instance.status != stored.status:
            data["status"] = instance.status
        services.listing_update(listing=stored, by=self.user, data=data)
