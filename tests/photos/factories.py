import hashlib

import factory

from listings.models import ListingPhoto
from tests.listings.factories import ListingFactory
from tests.photos import images

SMALL_JPEG = images.jpeg(800, 600)


class ListingPhotoFactory(factory.django.DjangoModelFactory):
    """A photo row with a real original; use it with the photo_storage fixture."""

    class Meta:
        model = ListingPhoto

    listing = factory.SubFactory(ListingFactory)
    original = factory.django.FileField(filename="original.jpg", data=SMALL_JPEG)
    content_hash = factory.Sequence(lambda n: hashlib.sha256(f"photo {n}".encode()).hexdigest())
    position = factory.Sequence(lambda n: n)
    width = 800
    height = 600

    class Params:
        ready = factory.Trait(
            status=ListingPhoto.Status.READY,
            attempts=1,
            variants=factory.LazyAttribute(
                lambda photo: {
                    name: {
                        "width": width,
                        "height": width * 3 // 4,
                        "webp": f"listings/{photo.listing.pk}/{photo.content_hash[:8]}/{name}.webp",
                        "jpeg": f"listings/{photo.listing.pk}/{photo.content_hash[:8]}/{name}.jpeg",
                    }
                    for name, width in (("large", 800), ("medium", 800), ("thumb", 400))
                }
            ),
        )
