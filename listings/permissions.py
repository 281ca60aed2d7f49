from rest_framework.permissions import SAFE_METHODS, BasePermission

from listings.models import manages_listings


class IsAgentForWrites(BasePermission):
    """Anyone reads; only signed-in agents write, and only the listings they manage
    (`Listing.objects.managed_by`, see get_queryset).

    A superuser may change or remove any listing but creates none: a listing always has an agent.
    """

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        if not user.is_authenticated:
            return False
        if request.method == "POST":
            return user.is_agent
        return manages_listings(user)

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return obj.is_managed_by(request.user)
