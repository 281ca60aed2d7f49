from django.core.files.storage import storages


def variant_payload(variants: dict | None, name: str) -> dict | None:
    """One variant's URLs (modern WebP and the JPEG every client reads) and its size."""
    data = (variants or {}).get(name)
    if not data:
        return None
    storage = storages["default"]
    return {
        "url": storage.url(data["jpeg"]),
        "url_webp": storage.url(data["webp"]),
        "width": data["width"],
        "height": data["height"],
    }


def variant_names(variants: dict | None) -> list[str]:
    """Every stored file of every variant, for deletion."""
    return [
        data[key] for data in (variants or {}).values() for key in ("webp", "jpeg") if data.get(key)
    ]
