"""Factories of payments rows that need no Stripe call (the real flows go through the service)."""
import factory

from payments.models import Payment, PaymentStatus, PayoutAccount
from tests.factories import Base, CommunityFactory, UserFactory


class PaymentFactory(Base):
    class Meta:
        model = Payment

    reference = factory.Sequence(lambda n: f"order:{n}")
    payer = factory.SubFactory(UserFactory)
    payer_user_id = factory.SelfAttribute("payer.id")
    community = factory.SubFactory(CommunityFactory)
    community_id = factory.SelfAttribute("community.id")
    payee = "store:3"
    amount = 5000
    currency = "CNY"
    capture_method = "automatic"
    status = PaymentStatus.PENDING
    stripe_payment_intent_id = factory.Sequence(lambda n: f"pi_factory{n:08d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.pop("payer", None)
        kwargs.pop("community", None)
        return super()._create(model_class, *args, **kwargs)


class PayoutAccountFactory(Base):
    class Meta:
        model = PayoutAccount

    payee = "store:3"
    stripe_account_id = factory.Sequence(lambda n: f"acct_test{n:08d}")
