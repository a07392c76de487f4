"""Demo data of community/bookings."""
from sqlalchemy.orm import Session


def seed_demo(session: Session) -> None:
    return None
