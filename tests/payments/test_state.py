"""A payment's states only move forward: the table, without a database."""
import pytest

from payments.models import PaymentStatus as S
from payments.state import NEXT, OPEN, can_move

FORWARD = [(S.PENDING, S.SUCCEEDED), (S.PENDING, S.AUTHORIZED), (S.FAILED, S.SUCCEEDED), (S.AUTHORIZED, S.CANCELED),
           (S.SUCCEEDED, S.REFUNDED)]
BACKWARD = [(S.SUCCEEDED, S.PENDING), (S.REFUNDED, S.SUCCEEDED), (S.CANCELED, S.SUCCEEDED),
            (S.SUCCEEDED, S.FAILED), (S.AUTHORIZED, S.PENDING), (S.SUCCEEDED, S.CANCELED)]


@pytest.mark.parametrize("from_status, to_status", FORWARD)
def test_a_payment_moves_forward(from_status, to_status):
    assert can_move(from_status, to_status)


@pytest.mark.parametrize("from_status, to_status", BACKWARD)
def test_late_or_repeated_news_never_takes_a_payment_back(from_status, to_status):
    assert not can_move(from_status, to_status)


def test_final_states_are_final_and_open_ones_can_still_end():
    assert NEXT[S.CANCELED] == NEXT[S.REFUNDED] == frozenset()
    assert all(can_move(status, S.CANCELED) for status in OPEN)
