"""Risk's use cases: registering, promoting and rolling back model versions; scoring a store."""
from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import Conflict
from core.models import utcnow
from risk import queries
from risk.cards import model_card
from risk.features import features_for_store
from risk.models import ModelStage, ModelVersion, StoreScore

MERCHANT_MODEL = "merchant-default"


def json_safe(value):
    """JSON without NaN: numpy scalars as Python numbers, NaN and infinities as null."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def register_model_version(session: Session, *, name: str, artifact: bytes, artifact_format: str,
                           features: list[dict], params: dict, metrics: dict, data_fingerprint: str,
                           training_rows: int, synthetic: bool) -> ModelVersion:
    """Stores a trained model as the next version of `name`, a challenger, with its generated card.

    Commits. Two registrations racing for the same number: the loser retries with the next one.
    """
    for _attempt in range(3):
        number = (session.scalar(select(func.max(ModelVersion.version)).where(ModelVersion.name == name)) or 0) + 1
        version = ModelVersion(name=name, version=number, stage=ModelStage.CHALLENGER, artifact=artifact,
                               artifact_format=artifact_format, features=features, params=json_safe(params),
                               metrics=json_safe(metrics),
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


# Loaded models: an artifact never changes, so a process loads each version once. Keyed by id and
# registration time, since SQLite may hand a rolled-back version's id to the next one.
_LOADED: dict[tuple[int, datetime], object] = {}


def loaded_model(version: ModelVersion):
    """The version's `CreditModel`, loaded from its artifact once per process."""
    key = (version.id, version.created_at)
    model = _LOADED.get(key)
    if model is None:
        from risk.training import CreditModel

        model = _LOADED[key] = CreditModel.from_bytes(version.artifact)
    return model


def score_store(session: Session, store_id: int, *, as_of: datetime | None = None,
                model_name: str = MERCHANT_MODEL) -> StoreScore:
    """Scores a store with the champion as of a date (now by default) and stores the score. Commits.

    NotFound (404) for no such store; Conflict (409) while no version of the model is champion.
    """
    from risk.scoring import score_features

    version = queries.champion(session, model_name)
    if version is None:
        raise Conflict(f"no champion of {model_name} to score with")
    as_of = as_of or utcnow()
    features = features_for_store(session, store_id, as_of)
    result = score_features(loaded_model(version), features)
    score = StoreScore(store_id=store_id, model_version_id=version.id, as_of=as_of, features=features,
                       probability=result.probability, points=result.points, band=result.band,
                       reasons=[reason.as_dict() for reason in result.reasons])
    session.add(score)
    session.commit()
    return score
