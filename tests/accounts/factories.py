import factory

from accounts.models import AgentProfile, User

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"buyer{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    role = User.Role.BUYER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class BuyerFactory(UserFactory):
    pass


class AgentFactory(UserFactory):
    username = factory.Sequence(lambda n: f"agent{n}")
    role = User.Role.AGENT
    is_staff = True

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if create:
            from accounts.services import agents_group

            obj.groups.add(agents_group())
            AgentProfileFactory(user=obj, **kwargs)


class AgentProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentProfile
        django_get_or_create = ["user"]

    user = factory.SubFactory(AgentFactory)
    agency_name = factory.Sequence(lambda n: f"Agency {n}")
    licence_number = factory.Sequence(lambda n: f"HLJ-{n:04d}")
    phone = "0468-3300000"
    verified = True


class SuperuserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True
