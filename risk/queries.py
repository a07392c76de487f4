"""Read-side selects of the model registry (no actor: jobs, the CLI and admins' services call these)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.stores import queries as store_queries
from core.errors import NotFound
from risk.models import ModelStage, ModelVersion, StoreScore


def model_version(session: Session, version_id: int) -> ModelVersion:
    version = session.get(ModelVersion, version_id)
    if version is None:
        raise NotFound()
    return version


def champion(session: Session, name: str) -> ModelVersion | None:
    """The version of `name` that scores, if one was promoted."""
    return session.scalar(select(ModelVersion).where(ModelVersion.name == name,
                                                     ModelVersion.stage == ModelStage.CHAMPION))


def versions(session: Session, name: str) -> list[ModelVersion]:
    return list(session.scalars(select(ModelVersion).where(ModelVersion.name == name)
                                .order_by(ModelVersion.version.desc())))


def newest_challenger(session: Session, name: str) -> ModelVersion | None:
    """The latest registered version of `name` still waiting as a challenger: it shadow-scores."""
    return session.scalar(select(ModelVersion).where(ModelVersion.name == name,
                                                     ModelVersion.stage == ModelStage.CHALLENGER)
                          .order_by(ModelVersion.version.desc()).limit(1))


def active_store_ids(session: Session) -> list[int]:
    return store_queries.active_store_ids(session)


def scored_store_ids(session: Session, version_id: int, as_of: datetime, *, shadow: bool) -> set[int]:
    """Stores a version already scored as of this moment (a rerun of the nightly rescore skips them)."""
    return set(session.scalars(select(StoreScore.store_id).where(StoreScore.model_version_id == version_id,
                                                                 StoreScore.as_of == as_of,
                                                                 StoreScore.shadow.is_(shadow))))


def latest_score(session: Session, store_id: int) -> StoreScore | None:
    """The store's latest score that may decide something: a champion's, never a shadow score."""
    return session.scalar(select(StoreScore).where(StoreScore.store_id == store_id, StoreScore.shadow.is_(False))
                          .order_by(StoreScore.created_at.desc(), StoreScore.id.desc()).limit(1))
