"""The model registry: numbered versions with cards, one champion per name, promotion and roll-back."""
import numpy as np
import pytest
from sqlalchemy.exc import IntegrityError

from core.errors import Conflict
from risk import queries, service
from risk.models import ModelStage, ModelVersion
from risk.training import ARTIFACT_FORMAT, CreditModel, TrainingConfig
from tests.factories import current_session


def _register(name: str = "merchant-default", artifact: bytes = b"artifact", **fields) -> ModelVersion:
    values = dict(features=[{"name": "refund_rate_90d", "kind": "numeric", "monotone": 1}],
                  params={"source": "test"}, metrics={"auc": 0.8, "calibration_table": []},
                  data_fingerprint="f" * 64, training_rows=10, synthetic=False) | fields
    return service.register_model_version(current_session(), name=name, artifact=artifact,
                                           artifact_format=ARTIFACT_FORMAT, **values)


def test_each_registration_is_the_next_version_a_challenger_with_its_card(connection):
    first, second = _register(), _register(synthetic=True)
    other = _register("csv:german")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert first.stage == second.stage == ModelStage.CHALLENGER
    assert "merchant-default v2" in second.card and "SYNTHETIC" in second.card and "SYNTHETIC" not in first.card
    assert "refund_rate_90d" in first.card and first.data_fingerprint in first.card


def test_promotion_archives_the_champion_and_roll_back_restores_it(connection):
    session = current_session()
    first, second = _register(), _register()
    assert queries.champion(session, "merchant-default") is None
    service.promote_model_version(session, first.id)
    service.promote_model_version(session, second.id)
    assert queries.champion(session, "merchant-default").id == second.id
    assert session.get(ModelVersion, first.id).stage == ModelStage.ARCHIVED
    restored = service.roll_back_champion(session, "merchant-default")
    assert restored.id == first.id and session.get(ModelVersion, second.id).stage == ModelStage.ARCHIVED
    assert service.roll_back_champion(session, "merchant-default").id == second.id  # undoes the roll-back


def test_there_is_nothing_to_roll_back_to_before_the_first_champion(connection):
    first = _register()
    service.promote_model_version(current_session(), first.id)
    with pytest.raises(Conflict):
        service.roll_back_champion(current_session(), "merchant-default")


def test_the_database_refuses_two_champions_of_one_name(connection):
    session = current_session()
    first, second = _register(), _register()
    first.stage = second.stage = ModelStage.CHAMPION
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_a_registered_artifact_loads_and_scores(connection):
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = (rng.random(200) < 1 / (1 + np.exp(-2 * x))).astype(int)
    model = CreditModel(TrainingConfig(inner_folds=3, max_rounds=100)).fit({"x": x}, y, names=["x"],
                                                                            monotone={"x": 1})
    version = _register(artifact=model.to_bytes())
    loaded = CreditModel.from_bytes(current_session().get(ModelVersion, version.id).artifact)
    assert np.allclose(loaded.predict_proba([{"x": 1.5}]), model.predict_proba([{"x": 1.5}]))
