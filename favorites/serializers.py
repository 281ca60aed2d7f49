from rest_framework import serializers

from favorites.models import Favorite
from listings.models import Listing
from listings.serializers import ListingListSerializer
from marketplace.fields import ObjectIdRelatedField


class FavoriteSerializer(serializers.ModelSerializer):
    listing = ListingListSerializer(read_only=True)
    saved_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Favorite
        fields = ["listing", "saved_at"]
        read_only_fields = fields


class FavoriteAddSerializer(serializers.Serializer):
    # Drafts are not offered: an id that is not a published listing is simply not found.
    listing = ObjectIdRelatedField(queryset=Listing.objects.once_published())
