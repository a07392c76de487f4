"""Read-side selects of the model registry (no actor: jobs, the CLI and admins' services call these)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from risk.models import ModelStage, ModelVersion


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
