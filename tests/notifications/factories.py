import factory
from django.contrib.contenttypes.models import ContentType

from accounts.models import User
from notifications.models import Kind, Notification
from tests.accounts.factories import BuyerFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    """A notification row about its own recipient (cheap: no listing or conversation needed)."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(BuyerFactory)
    kind = Kind.NEW_MESSAGE
    subject_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(User))
    subject_id = factory.LazyAttribute(lambda n: n.recipient.pk)
    group_key = factory.Sequence(lambda n: f"conversation:{n}")
    text = factory.Sequence(lambda n: f"Jing Chen: the flat is still for sale ({n})")
    link = factory.Sequence(lambda n: f"/conversations/{n}/")
