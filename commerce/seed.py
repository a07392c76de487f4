"""Demo data of commerce."""
from sqlalchemy.orm import Session


def seed_demo(session: Session) -> None:
    return None
