"""Risk's tables: every trained model version, with its artifact, card and stage in the registry."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, UTCDateTime, created_at, intpk


class ModelStage(StrEnum):
    CHALLENGER = "challenger"  # registered; may shadow-score, decides nothing
    CHAMPION = "champion"  # the one version of its name that scores
    ARCHIVED = "archived"  # retired; kept so any past decision can still be explained


class ModelVersion(Base):
    """One trained model: the artifact and everything needed to trust it (MLflow's registry, in a table)."""

    __tablename__ = "risk_model_versions"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        CheckConstraint("stage IN ('challenger', 'champion', 'archived')", name="stage_known"),
        # One champion per model name, whatever races a promotion runs into.
        Index("uq_risk_model_versions_champion", "name", unique=True,
              postgresql_where=text("stage = 'champion'"), sqlite_where=text("stage = 'champion'")),
    )

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100))  # e.g. merchant-default, csv:germancredit
    version: Mapped[int]  # 1, 2, ... per name
    stage: Mapped[str] = mapped_column(String(20), default=ModelStage.CHALLENGER)
    artifact_format: Mapped[str] = mapped_column(String(40))
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    features: Mapped[list] = mapped_column(JSON)  # [{name, kind, monotone}] in the model's column order
    params: Mapped[dict] = mapped_column(JSON)
    metrics: Mapped[dict] = mapped_column(JSON)
    data_fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the training data
    training_rows: Mapped[int]
    synthetic: Mapped[bool] = mapped_column(default=False)  # trained on simulated histories, not real outcomes
    card: Mapped[str] = mapped_column(Text)  # the generated model card (Markdown)
    # The training sample's distributions ({"rows", "features": {name: bins}, "score": bins}, see
    # risk.drift.reference_bins) that drift is measured against; None for versions trained before.
    reference: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[created_at]
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StoreScore(Base):
    """One score of one store, kept with the model version and inputs behind it, so any decision can be
    explained later (PIPL Art. 24)."""

    __tablename__ = "risk_store_scores"
    __table_args__ = (
        Index("ix_risk_store_scores_store_created", "store_id", "created_at"),
        # The nightly rescore's question: which stores has this version already scored as of this date?
        Index("ix_risk_store_scores_version_as_of", "model_version_id", "as_of"),
    )

    id: Mapped[intpk]
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="RESTRICT"))
    model_version_id: Mapped[int] = mapped_column(ForeignKey("risk_model_versions.id", ondelete="RESTRICT"),
                                                  index=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    features: Mapped[dict] = mapped_column(JSON)
    probability: Mapped[float] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(2))
    reasons: Mapped[list] = mapped_column(JSON)  # [{feature, value, contribution, zh, en}], strongest first
    # A challenger's score beside the champion's: kept to compare them, never read to decide anything.
    shadow: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[created_at]
