from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from insights import market, selectors
from insights.serializers import AgentStatsSerializer, CityMarketSerializer, StatsPageSerializer
from marketplace.schema import also_answers


class AgentStatsView(APIView):
    """The signed-in agent's figures: their listings still on their hands, about to expire first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your listings' views, saves and conversations, and your response time (agents)",
        parameters=[StatsPageSerializer],
        responses=AgentStatsSerializer,
    )
    @also_answers(403)
    def get(self, request):
        try:
            agent = selectors.agent_for_dashboard(request.user)
        except Http404:
            self.permission_denied(request, message="Only agents have figures.")
        # A plain dict, so an empty `?page=` is refused rather than taken for no page at all.
        query = StatsPageSerializer(data={"page": request.query_params.get("page", "1")})
        query.is_valid(raise_exception=True)
        # A page past the last one answers the last page, as the web dashboard does.
        stats = selectors.agent_stats(agent=agent, page_number=query.validated_data["page"])
        return Response(AgentStatsSerializer(stats).data)


class CityMarketView(APIView):
    """A city's market: prices by district, a histogram of prices, 12 months of prices per m²."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="A city's market in figures",
        parameters=[
            OpenApiParameter(
                "slug",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=r"^[-a-zA-Z0-9_]+$",
                description="The city's slug, as in GET /api/v1/cities/.",
            )
        ],
        responses=CityMarketSerializer,
    )
    def get(self, request, slug: str):
        city = market.city_for_market(slug)
        report = market.city_market(city)
        return Response(CityMarketSerializer({**vars(report), "city": city}).data)
