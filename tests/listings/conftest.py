from tests.photos.conftest import photo_storage

__all__ = ["photo_storage"]
