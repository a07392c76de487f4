"""Risk's use cases: registering, promoting and rolling back model versions."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import Conflict
from core.models import utcnow
from risk import queries
from risk.cards import model_card
from risk.models import ModelStage, ModelVersion


def register_model_version(session: Session, *, name: str, artifact: bytes, artifact_format: str,
                           features: list[dict], params: dict, metrics: dict, data_fingerprint: str,
                           training_rows: int, synthetic: bool) -> ModelVersion:
    """Stores a trained model as the next version of `name`, a challenger, with its generated card.

    Commits. Two registrations racing for the same number: the loser retries with the next one.
    """
    for _attempt in range(3):
        number = (session.scalar(select(func.max(ModelVersion.version)).where(ModelVersion.name == name)) or 0) + 1
        version = ModelVersion(name=name, version=number, stage=ModelStage.CHALLENGER, artifact=artifact,
                               artifact_format=artifact_format, features=features, params=params, metrics=metrics,
                               data_fingerprint=data_fingerprint, training_rows=training_rows, synthetic=synthetic,
                               created_at=utcnow(), card="")
        version.card = model_card(version)
        savepoint = session.begin_nested()
        session.add(version)
        try:
            # flush: the unique (name, version) decides the race here, inside the savepoint
            session.flush()
        except IntegrityError:
            savepoint.rollback()
            continue
        session.commit()
        return version
    raise Conflict("model versions are being registered concurrently; try again")


def promote_model_version(session: Session, version_id: int) -> ModelVersion:
    """Makes a version the champion of its name; the previous champion is archived. Commits."""
    version = queries.model_version(session, version_id)
    current = queries.champion(session, version.name)
    if current is not None and current.id != version.id:
        current.stage = ModelStage.ARCHIVED
        # flush: the archived stage must reach the database before the new champion, or the
        # one-champion index refuses the promotion
        session.flush()
    version.stage, version.promoted_at = ModelStage.CHAMPION, utcnow()
    version.card = model_card(version)
    session.commit()
    return version


def roll_back_champion(session: Session, name: str) -> ModelVersion:
    """Archives the champion and restores the one promoted before it (twice undoes the first). Commits."""
    current = queries.champion(session, name)
    earlier = session.scalar(
        select(ModelVersion).where(ModelVersion.name == name, ModelVersion.stage == ModelStage.ARCHIVED,
                                   ModelVersion.promoted_at.is_not(None),
                                   *([ModelVersion.promoted_at < current.promoted_at] if current else []))
        .order_by(ModelVersion.promoted_at.desc()).limit(1))
    if earlier is None:
        raise Conflict(f"no earlier champion of {name} to roll back to")
    return promote_model_version(session, earlier.id)
