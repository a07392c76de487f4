"""The nightly rescore: every active store scored by the champion in batches, a challenger's shadow scores
beside them, and drift against the champion's training sample alerting platform admins."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from community.notifications.models import Notification
from risk import queries, service
from risk.drift import reference_bins
from risk.features import BY_NAME, FEATURE_NAMES, features_for_store
from risk.jobs import rescore_stores
from risk.models import StoreScore
from risk.scoring import score_features, score_rows
from risk.simulate import Simulation, simulate, training_table
from risk.training import ARTIFACT_FORMAT, CreditModel, TrainingConfig, training_reference
from tests.commerce.factories import order_of, product_of, store_serving
from tests.factories import CommunityFactory, UserFactory, current_session, resident_of

AS_OF = datetime(2026, 11, 30, tzinfo=UTC)
FAST = TrainingConfig(inner_folds=3, max_rounds=200, early_stopping_rounds=30)


@pytest.fixture(scope="module")
def training():
    columns, labels, times = training_table(simulate(Simulation(merchants=150, months=6, seed=11)))
    directions = {name: int(BY_NAME[name].risk) for name in FEATURE_NAMES if BY_NAME[name].risk}
    model = CreditModel(FAST).fit(columns, labels, names=list(FEATURE_NAMES), monotone=directions, time=times)
    return model, columns


def _register(model, *, reference=None, promote=True):
    session = current_session()
    version = service.register_model_version(
        session, name=service.MERCHANT_MODEL, artifact=model.to_bytes(), artifact_format=ARTIFACT_FORMAT,
        features=[], params={}, metrics={}, data_fingerprint="0" * 64, training_rows=1, synthetic=True,
        reference=reference)
    return service.promote_model_version(session, version.id) if promote else version


def _stores(n: int):
    """`n` stores of different ages and trade, one of them suspended (not scored)."""
    community = CommunityFactory()
    resident = resident_of(community)
    stores = []
    for i in range(n):
        store, _owner = store_serving(community)
        store.created_at = AS_OF - timedelta(days=20 + 40 * i)
        product = product_of(store, price=1_000 + 700 * i)
        for days_ago in range(1, 2 + 3 * i, 3):
            order_of(store, community, resident, product=product).paid_at = AS_OF - timedelta(days=days_ago)
        stores.append(store)
    stores[-1].status = "suspended"
    current_session().commit()
    return stores


def _scores(**where):
    return current_session().scalars(select(StoreScore).filter_by(**where).order_by(StoreScore.store_id)).all()


def test_every_active_store_is_scored_as_score_store_would_and_a_rerun_adds_nothing(connection, training):
    model, _columns = training
    stores = _stores(7)
    champion = _register(model)

    report = service.rescore_stores(current_session(), as_of=AS_OF, batch_size=4)  # two batches

    assert (report["scored"], report["shadow"]) == (6, 0)
    scores = _scores(model_version_id=champion.id)
    assert [s.store_id for s in scores] == [s.id for s in stores[:-1]]  # the suspended store is not scored
    for score in scores:
        alone = score_features(model, features_for_store(current_session(), score.store_id, AS_OF))
        assert score.features == features_for_store(current_session(), score.store_id, AS_OF)
        assert score.probability == pytest.approx(alone.probability, rel=1e-9) and score.band == alone.band
        assert [r["feature"] for r in score.reasons] == [r.feature for r in alone.reasons]
        assert score.as_of == AS_OF and score.shadow is False

    again = service.rescore_stores(current_session(), as_of=AS_OF, batch_size=4)
    assert again["scored"] == 0 and len(_scores()) == 6


def test_a_challenger_shadow_scores_the_same_stores_and_never_decides(connection, training):
    model, _columns = training
    stores = _stores(4)
    champion = _register(model)
    challenger = _register(CreditModel.from_bytes(model.to_bytes()), promote=False)
    service.score_store(current_session(), stores[0].id, as_of=AS_OF - timedelta(days=1))

    report = service.rescore_stores(current_session(), as_of=AS_OF)

    assert (report["scored"], report["shadow"]) == (3, 3) and report["challenger"] == challenger.version
    shadow = _scores(model_version_id=challenger.id)
    assert len(shadow) == 3 and all(s.shadow for s in shadow)
    assert not any(s.shadow for s in _scores(model_version_id=champion.id))
    latest = queries.latest_score(current_session(), stores[0].id)  # the shadow score is the newest row
    assert latest.model_version_id == champion.id and latest.as_of == AS_OF and not latest.shadow


def _admins():
    admin, _other = UserFactory(platform_role="admin"), UserFactory()
    UserFactory(platform_role="admin", is_active=False)
    current_session().commit()
    return admin


def _alerts():
    return current_session().scalars(select(Notification).where(Notification.kind == "risk.model_drift")).all()


def test_stores_like_the_training_sample_raise_no_alert(connection, training, run_jobs):
    model, _columns = training
    stores = _stores(8)
    _admins()
    # The reference is these very stores: their features and scores as the model saw them.
    rows = [features_for_store(current_session(), store.id, AS_OF) for store in stores[:-1]]
    reference = {"features": {name: reference_bins([row[name] for row in rows]) for name in FEATURE_NAMES},
                 "score": reference_bins([score.probability for score in score_rows(model, rows)])}
    _register(model, reference=reference)

    report = service.rescore_stores(current_session(), as_of=AS_OF, drift_min_stores=5)
    run_jobs()

    assert report["drift"]["rows"] == 7 and report["drift"]["alerted"] is False
    assert max(item["psi"] for item in report["drift"]["psi"]) < 0.01
    assert _alerts() == []


def test_stores_unlike_the_training_sample_alert_the_platform_admins_once(app, connection, training, run_jobs):
    model, columns = training
    _stores(8)
    admin = _admins()
    champion = _register(model, reference=training_reference(model, columns))  # what training keeps

    with app.app_context():  # the alert is a job after the commit
        report = service.rescore_stores(current_session(), as_of=AS_OF, drift_min_stores=5)
        service.check_drift(current_session(), champion.id, AS_OF, min_stores=5)  # a rerun alerts nobody twice
    run_jobs()

    assert report["drift"]["alerted"] is True
    assert any(item["level"] == "act" for item in report["drift"]["psi"])
    alerts = _alerts()
    assert [a.user_id for a in alerts] == [admin.id]
    assert alerts[0].params["level"] == "act" and alerts[0].params["stores"] == 7
    assert alerts[0].subject_type == "risk_model_version" and alerts[0].subject_id == champion.id


def test_a_few_stores_are_too_few_to_alert_on(connection, training, run_jobs):
    model, columns = training
    _stores(4)
    _admins()
    _register(model, reference=training_reference(model, columns))
    report = service.rescore_stores(current_session(), as_of=AS_OF)  # the default floor: 50 stores
    run_jobs()
    assert report["drift"]["alerted"] is False and "too few" in report["drift"]["note"] and _alerts() == []


def test_the_nightly_rescore_runs_through_the_job_machinery(app, connection, training, run_jobs):
    from core.jobs import jobs

    model, _columns = training
    _stores(3)
    with app.app_context():
        jobs.enqueue(rescore_stores)  # no champion yet: nothing to do, and no failure
    run_jobs()
    assert _scores() == []
    champion = _register(model)
    with app.app_context():
        jobs.enqueue(rescore_stores)
        assert jobs.queue("low").count == 1
    run_jobs()
    assert [s.model_version_id for s in _scores()] == [champion.id, champion.id]
