from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsAgentForWrites(BasePermission):
    """Anyone reads; only signed-in agents write, and only their own listings (see get_queryset)."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return bool(
            request.user.is_authenticated and (request.user.is_agent or request.user.is_superuser)
        )

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return request.user.is_superuser or obj.agent_id == request.user.pk
