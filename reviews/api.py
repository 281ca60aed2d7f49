from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from marketplace.pagination import KeysetPagination
from reviews import selectors, services
from reviews.models import Review
from reviews.serializers import ReviewAnswerSerializer, ReviewSerializer, ReviewWriteSerializer


class AgentReviewsView(ListAPIView):
    """An agent's reviews, newest first: anyone may read them. Hidden reviews are left out, but
    for their author's own, marked hidden."""

    serializer_class = ReviewSerializer
    permission_classes = [AllowAny]
    pagination_class = KeysetPagination
    filter_backends = []

    def get_queryset(self):
        agent = selectors.reviewed_agent(self.kwargs["agent_id"])
        return selectors.reviews_of_agent(agent, viewer=self.request.user)

    @extend_schema(summary="An agent's reviews from buyers, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReviewViewSet(viewsets.GenericViewSet):
    """A buyer reviews the agent of their completed purchase or done video viewing; the agent
    answers once."""

    serializer_class = ReviewSerializer
    queryset = Review.objects.none()  # tells the schema generator the model
    permission_classes = [IsAuthenticated]

    def _answer(self, review, code=status.HTTP_200_OK):
        return Response(self.get_serializer(review).data, status=code)

    @extend_schema(
        summary="Review the agent of your completed purchase or done video viewing, once",
        description="Give `purchase` or `viewing` (yours), a `rating` from 1 to 5 and a `text`.",
        request=ReviewWriteSerializer,
        responses={201: ReviewSerializer},
    )
    def create(self, request):
        write = ReviewWriteSerializer(data=request.data, user=request.user)
        write.is_valid(raise_exception=True)
        review = services.review_create(by=request.user, **write.validated_data)
        return self._answer(review, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Answer a review of you, once (the agent)",
        request=ReviewAnswerSerializer,
        responses=ReviewSerializer,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        review = selectors.review_to_answer(user=request.user, review_id=pk)
        write = ReviewAnswerSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        review = services.review_answer(
            review=review, by=request.user, text=write.validated_data["answer"]
        )
        return self._answer(review)
