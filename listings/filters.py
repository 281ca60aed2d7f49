"""The one FilterSet behind the web search page and the API list: same names, same rules."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import BooleanField, Case, F, Func, Q, TextField, Value, When
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import ModelChoiceField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from listings.cities import city_for_slug
from listings.models import City, District, Listing

BOOLEAN_CHOICES = [("true", _("Yes")), ("false", _("No"))]

ORDERING_CHOICES = [
    ("-published_at", _("Newest first")),
    ("published_at", _("Oldest first")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
    ("price_per_m2", _("Price per m²: low to high")),
    ("-price_per_m2", _("Price per m²: high to low")),
    ("area_m2", _("Area: small to large")),
    ("-area_m2", _("Area: large to small")),
    ("total_cost", _("Total cost: low to high")),
    ("-total_cost", _("Total cost: high to low")),
]
# Filters and orderings that read the total cost (listings.costs), annotated only when asked.
TOTAL_COST_ORDERINGS = {"total_cost", "-total_cost"}
DEFAULT_ORDERING = "-published_at"
MAX_QUERY_WORDS = 8
# The keyword index holds pairs of characters: a shorter word is looked for by a scan, bounded
# by the other filters (listings.migrations.0009_listing_keyword_index).
SHORTEST_INDEXED_WORD = 2


# Text inputs with a numeric keyboard rather than type=number: a browser silently empties a
# number input holding something it cannot parse, and people must see what they typed.
WHOLE_NUMBER_INPUT = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
DECIMAL_INPUT = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", WHOLE_NUMBER_INPUT)
        super().__init__(*args, **kwargs)


class AreaFilter(filters.NumberFilter):
    """Square metres as the listings store them (up to 99999.99): "1e-999999" is a 400, not
    a number PostgreSQL cannot hold."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", DECIMAL_INPUT)
        area = Listing._meta.get_field("area_m2")
        kwargs.setdefault("max_digits", area.max_digits)
        kwargs.setdefault("decimal_places", area.decimal_places)
        super().__init__(*args, **kwargs)


class FetchedChoiceIterator(ModelChoiceIterator):
    """The menu's rows in one plain SELECT. Django's iterator reads them with `.iterator()`,
    which on PostgreSQL is a server-side cursor (DECLARE ... WITH HOLD, FETCH, CLOSE: three
    round trips, and the rows copied at commit) for a few dozen cities or districts."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class MenuChoiceField(forms.ModelChoiceField):
    iterator = FetchedChoiceIterator


class CitySlugField(ModelChoiceField):
    """A city by its slug, from the cached map of cities (listings.cities), not a query; its
    menu in one plain SELECT."""

    iterator = FetchedChoiceIterator

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        city = city_for_slug(str(value))
        if city is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return city


class CityFilter(filters.ModelChoiceFilter):
    field_class = CitySlugField


class DistrictChoiceField(MenuChoiceField):
    def label_from_instance(self, district):
        return f"{district.city.local_name} · {district.local_name}"


class DistrictFilter(filters.ModelChoiceFilter):
    field_class = DistrictChoiceField


class ListingSearchForm(forms.Form):
    def clean(self):
        cleaned_data = super().clean()
        for low, high, message in (
            ("price_min", "price_max", _("The lowest price is above the highest.")),
            ("area_min", "area_max", _("The smallest area is above the largest.")),
        ):
            low_value, high_value = cleaned_data.get(low), cleaned_data.get(high)
            if low_value is not None and high_value is not None and low_value > high_value:
                self.add_error(high, message)
        city, district = cleaned_data.get("city"), cleaned_data.get("district")
        if city and district and district.city_id != city.pk:
            self.add_error("district", _("This district is not in the chosen city."))
        return cleaned_data


def keyword_index_match(word: str) -> Func:
    """The condition the keyword index serves: written as the index's expression is, so that
    PostgreSQL recognises it (listings.migrations.0009_listing_keyword_index)."""
    terms = Func(
        F("title"),
        F("community_name"),
        F("description"),
        function="listing_keyword_terms",
        output_field=TextField(),
    )
    query = Func(Value(word), function="listing_keyword_query", output_field=TextField())
    return Func(
        terms, query, template="%(expressions)s", arg_joiner=" @@ ", output_field=BooleanField()
    )


def recheck(condition: Q) -> Case:
    """`condition`, which PostgreSQL then estimates at one row in two, not one in a thousand.

    The planner takes `LIKE '%word%'` for rare and independent of the index condition, when it
    holds for nearly every row the index finds: a common word would look rare, and rather than
    walk the newest-first index the planner would sort every listing holding it (seconds)."""
    return Case(When(condition, then=Value(True)), default=Value(False))


class ListingFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Keywords"), method="filter_words", max_length=100, strip=True)
    city = CityFilter(
        label=_("City"),
        queryset=City.objects.all(),
        to_field_name="slug",
        empty_label=_("All cities"),
    )
    district = DistrictFilter(
        label=_("District"),
        queryset=District.objects.select_related("city"),
        empty_label=_("All districts"),
    )
    price_min = WholeNumberFilter(
        field_name="price", lookup_expr="gte", label=_("Price from (¥)"), min_value=0
    )
    price_max = WholeNumberFilter(
        field_name="price", lookup_expr="lte", label=_("Price up to (¥)"), min_value=0
    )
    area_min = AreaFilter(
        field_name="area_m2", lookup_expr="gte", label=_("Area from (m²)"), min_value=0
    )
    area_max = AreaFilter(
        field_name="area_m2", lookup_expr="lte", label=_("Area up to (m²)"), min_value=0
    )
    rooms = WholeNumberFilter(label=_("Rooms"), min_value=1, max_value=20)
    price_per_m2_max = WholeNumberFilter(
        field_name="price_per_m2", lookup_expr="lte", label=_("Price per m² up to (¥)"), min_value=0
    )
    total_cost_max = WholeNumberFilter(
        field_name="total_cost",
        lookup_expr="lte",
        label=_("Total cost up to (¥)"),
        help_text=_("Price, taxes, fees, renovation and a year of heating and property fees."),
        min_value=0,
    )
    floor_max = WholeNumberFilter(
        field_name="floor", lookup_expr="lte", label=_("Floor at most"), min_value=1
    )
    has_elevator = filters.ChoiceFilter(
        label=_("Elevator"),
        choices=BOOLEAN_CHOICES,
        method="filter_has_elevator",
        empty_label=_("Any"),
    )
    heating = filters.ChoiceFilter(
        label=_("Heating"), choices=Listing.Heating.choices, empty_label=_("Any")
    )
    condition = filters.ChoiceFilter(
        label=_("Condition"), choices=Listing.Condition.choices, empty_label=_("Any")
    )
    verified = filters.ChoiceFilter(
        label=_("Verified"),
        choices=BOOLEAN_CHOICES,
        method="filter_verified",
        empty_label=_("Any"),
    )
    ordering = filters.ChoiceFilter(
        label=_("Sort by"),
        choices=ORDERING_CHOICES,
        method="filter_ordering",
        empty_label=None,
    )

    class Meta:
        model = Listing
        fields = []
        form = ListingSearchForm

    def __init__(self, *args, one_per_flat: bool = False, present=None, **kwargs):
        # The search page and the API list show a flat listed by several agents once; saved
        # searches' matching does not (each listing is news to whom it matches).
        self.one_per_flat = one_per_flat
        # present(listings): the filtered and ordered listings with what the caller shows (the
        # cards' columns and annotations). Applied last, so the filters and one_per_flat's
        # subquery are built on the plain queryset, not on one carrying the cards' subqueries.
        self.present = present
        super().__init__(*args, **kwargs)

    def get_form_class(self):
        # django-filter builds a new form class with new fields for every filter set (~3 ms);
        # they are the same every time (no filter depends on the request), and each form
        # deep-copies its fields anyway. Saved-search matching binds thousands per run.
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def filter_queryset(self, queryset):
        wanted = self.form.cleaned_data
        total_cost_max = wanted.get("total_cost_max")
        if total_cost_max is not None:
            # Every line but the price is at least 0, so the price index narrows the rows the
            # database works the total out for.
            queryset = queryset.filter(price__lte=total_cost_max)
        if total_cost_max is not None or wanted.get("ordering") in TOTAL_COST_ORDERINGS:
            # For an only home, the default a buyer sees first on a listing's page.
            queryset = queryset.with_total_cost()
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = self.filter_ordering(queryset, "ordering", DEFAULT_ORDERING)
        if self.one_per_flat:
            queryset = queryset.one_per_flat()
        return self.present(queryset) if self.present else queryset

    def filter_words(self, queryset, name, value):
        """Each word is in the title, the community or the description (`icontains`).

        On PostgreSQL the keyword index first narrows the rows to those holding the word's rarest
        pairs of characters, and `icontains` re-checks them: the same results, without reading
        every listing for a rare word. SQLite and one-character words scan."""
        use_index = connections[queryset.db].vendor == "postgresql"
        for word in value.split()[:MAX_QUERY_WORDS]:
            in_text = (
                Q(title__icontains=word)
                | Q(community_name__icontains=word)
                | Q(description__icontains=word)
            )
            if use_index and len(word) >= SHORTEST_INDEXED_WORD:
                queryset = queryset.filter(keyword_index_match(word), recheck(in_text))
            else:
                queryset = queryset.filter(in_text)
        return queryset

    @extend_schema_field({"type": "string", "enum": [value for value, _label in BOOLEAN_CHOICES]})
    def filter_has_elevator(self, queryset, name, value):
        return queryset.filter(has_elevator=value == "true")

    @extend_schema_field({"type": "string", "enum": [value for value, _label in BOOLEAN_CHOICES]})
    def filter_verified(self, queryset, name, value):
        return queryset.filter(verified_at__isnull=value != "true")

    def filter_ordering(self, queryset, name, value):
        # The id breaks ties so every ordering is total: keyset pagination needs it.
        tie_breaker = "-id" if value.startswith("-") else "id"
        return queryset.order_by(value, tie_breaker)
