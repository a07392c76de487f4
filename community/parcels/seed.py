"""Demo data of community/parcels."""
from sqlalchemy.orm import Session


def seed_demo(session: Session) -> None:
    return None
