"""Demo data of community/announcements."""
from sqlalchemy.orm import Session


def seed_demo(session: Session) -> None:
    return None
