"""Cross-domain flows pay through localstripe like the payments and commerce tests."""
from tests.payments.conftest import clean_localstripe, stripe_client  # noqa: F401 - fixtures, used by name
