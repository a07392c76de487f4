"""Demo data of community/visitors."""
from sqlalchemy.orm import Session


def seed_demo(session: Session) -> None:
    return None
