"""Risk's use cases: registering, promoting and rolling back model versions; scoring a store; the
nightly rescore of every store and the drift alerts after it."""
from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from community.notifications import kinds
from community.notifications.service import notify
from core.errors import Conflict
from core.i18n import N_
from core.models import utcnow
from identity.queries import platform_admin_ids
from risk import queries
from risk.cards import model_card
from risk.features import features_for_store
from risk.models import ModelStage, ModelVersion, StoreScore

MERCHANT_MODEL = "merchant-default"
RESCORE_BATCH = 500  # stores per prediction: the batch's features fit easily in memory
DRIFT_MIN_STORES = 50  # below this, a population index says more about chance than about drift

kinds.register(
    "risk.model_drift",
    title=N_("Credit model %(model)s v%(version)s has drifted: %(level)s"),
    body=N_("As of %(date)s, %(stores)s stores against its training sample, population stability index: "
            "%(indices)s. From 0.10 watch it; from 0.25 retrain or roll it back."),
    translated=("level",),
)
_LEVEL_TEXT = {"alert": N_("watch"), "act": N_("act")}


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
                           training_rows: int, synthetic: bool, reference: dict | None = None) -> ModelVersion:
    """Stores a trained model as the next version of `name`, a challenger, with its generated card.

    Commits. Two registrations racing for the same number: the loser retries with the next one.
    """
    for _attempt in range(3):
        number = (session.scalar(select(func.max(ModelVersion.version)).where(ModelVersion.name == name)) or 0) + 1
        version = ModelVersion(name=name, version=number, stage=ModelStage.CHALLENGER, artifact=artifact,
                               artifact_format=artifact_format, features=features, params=json_safe(params),
                               metrics=json_safe(metrics), reference=json_safe(reference),
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


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def rescore_stores(session: Session, *, as_of: datetime | None = None, model_name: str = MERCHANT_MODEL,
                   batch_size: int = RESCORE_BATCH, drift_min_stores: int = DRIFT_MIN_STORES) -> dict:
    """Scores every active store with the champion as of `as_of` (today's midnight, UTC, by default),
    `batch_size` stores per prediction, and stores the scores as `score_store` does; the newest
    challenger, if any, scores the same features as shadow scores. Then measures drift.

    Commits once per batch; the drift alert notifies platform admins after its own commit. Safe to
    run twice, or again after a crash: what a version already scored as of the date is skipped.
    """
    from risk.scoring import score_rows

    champion = queries.champion(session, model_name)
    if champion is None:
        return {"as_of": None, "scored": 0, "shadow": 0, "drift": None}
    challenger = queries.newest_challenger(session, model_name)
    as_of = as_of or _midnight(utcnow())
    scorers = [(champion, False)] + ([(challenger, True)] if challenger is not None else [])
    done = {shadow: queries.scored_store_ids(session, version.id, as_of, shadow=shadow) for version, shadow in scorers}
    todo = [store_id for store_id in queries.active_store_ids(session)
            if any(store_id not in done[shadow] for _version, shadow in scorers)]
    counts = {False: 0, True: 0}
    for start in range(0, len(todo), batch_size):
        batch = todo[start:start + batch_size]
        features = [features_for_store(session, store_id, as_of) for store_id in batch]
        for version, shadow in scorers:
            rows = [(store_id, row) for store_id, row in zip(batch, features, strict=True)
                    if store_id not in done[shadow]]
            scores = score_rows(loaded_model(version), [row for _store_id, row in rows])
            session.add_all(StoreScore(store_id=store_id, model_version_id=version.id, as_of=as_of, features=row,
                                       probability=score.probability, points=score.points, band=score.band,
                                       reasons=[reason.as_dict() for reason in score.reasons], shadow=shadow)
                            for (store_id, row), score in zip(rows, scores, strict=True))
            counts[shadow] += len(rows)
        session.commit()
    drift = check_drift(session, champion.id, as_of, min_stores=drift_min_stores)
    return {"as_of": as_of.isoformat(), "scored": counts[False], "shadow": counts[True],
            "champion": champion.version, "challenger": challenger.version if challenger else None, "drift": drift}


def check_drift(session: Session, version_id: int, as_of: datetime, *, min_stores: int = DRIFT_MIN_STORES) -> dict:
    """The population stability of each feature and of the score of a version's scores as of a date
    against its training sample; platform admins are alerted from 0.10 (watch) and 0.25 (act).

    Commits when it alerts (once per version and date, whatever reruns).
    """
    from risk.drift import drift_report

    version = queries.model_version(session, version_id)
    if not version.reference:
        return {"rows": 0, "psi": [], "alerted": False, "note": "the version kept no training sample to compare"}
    scored = session.execute(select(StoreScore.features, StoreScore.probability).where(
        StoreScore.model_version_id == version.id, StoreScore.as_of == as_of, StoreScore.shadow.is_(False))).all()
    report = drift_report(version.reference, [features for features, _p in scored], [p for _f, p in scored])
    drifted = [item for item in report["psi"] if item["level"]]
    report["alerted"] = bool(drifted) and len(scored) >= min_stores
    if drifted and not report["alerted"]:
        report["note"] = f"{len(scored)} stores scored: too few to alert on (from {min_stores})"
    if report["alerted"]:
        level = "act" if any(item["level"] == "act" for item in drifted) else "alert"
        notify(session, user_ids=platform_admin_ids(session), kind="risk.model_drift",
               params={"model": version.name, "version": version.version, "level": _LEVEL_TEXT[level],
                       "date": as_of.date().isoformat(), "stores": len(scored),
                       "indices": ", ".join(f"{item['name']} {item['psi']:.2f}" for item in drifted[:8])},
               subject=("risk_model_version", version.id),
               dedupe_key=f"risk.model_drift:{version.id}:{as_of.date().isoformat()}")
        session.commit()
    return report
