from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages

from listings.models import ListingPhoto


def test_photo_storage_keeps_every_file_under_tmp_path(photo_storage):
    storages["default"].save("public.txt", ContentFile(b"public"))
    default_storage.save("default.txt", ContentFile(b"default"))
    storages["private"].save("private.txt", ContentFile(b"private"))
    ListingPhoto._meta.get_field("original").storage.save("original.txt", ContentFile(b"o"))

    assert photo_storage.files() == [
        "media/default.txt",
        "media/public.txt",
        "private-media/original.txt",
        "private-media/private.txt",
    ]
