"""The model card: what a model version is, what it was trained on, how well it did, what it is not for."""
from __future__ import annotations

from risk.models import ModelVersion

_DIRECTION = {1: "higher value, higher risk", -1: "higher value, lower risk", 0: "unconstrained"}


def _figure(value) -> str:
    return "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def model_card(version: ModelVersion) -> str:
    """Markdown generated from the registry row alone, so it can never disagree with it."""
    m, p = version.metrics, version.params
    lines = [
        f"# Model card: {version.name} v{version.version}",
        "",
        f"- Registered: {version.created_at:%Y-%m-%d %H:%M} UTC; stage: {version.stage}",
        f"- Training data: {version.training_rows} rows, fingerprint sha256:{version.data_fingerprint}",
        f"- Source: {p.get('source', 'unknown')}",
    ]
    if version.synthetic:
        lines.append("- **Trained on SYNTHETIC merchant histories (risk/simulate.py), not on real outcomes.** "
                     "Its figures describe the simulator; retrain on observed repayments before relying on it.")
    lines += [
        f"- Positive class: {p.get('positive', 'default')} (rate {_figure(p.get('positive_rate'))})",
        "",
        "## Method",
        "Two LightGBM boosters averaged, one from a constant and one from a logistic-regression base margin; "
        "monotone constraints on the features below; early stopping on an inner cross-validation; "
        f"calibration: {m.get('calibration')}; points: {p.get('base_score')} at odds {p.get('base_odds')}:1, "
        f"{p.get('points_to_double_odds')} points to double the odds.",
        "",
        "## Validation",
        f"{m.get('validation')}: AUC {_figure(m.get('auc'))}, KS {_figure(m.get('ks'))}, "
        f"Brier {_figure(m.get('brier'))}; monotone violations: {m.get('monotone_violations')}.",
        "",
        "| predicted | observed | rows |",
        "| --- | --- | --- |",
        *(f"| {row['predicted']:.4f} | {row['observed']:.4f} | {row['rows']} |"
          for row in m.get("calibration_table", [])),
        "",
        "## Features",
        "| feature | kind | constraint |",
        "| --- | --- | --- |",
        *(f"| {f['name']} | {f['kind']} | {_DIRECTION.get(f['monotone'], f['monotone'])} |" for f in version.features),
        "",
        "## Use and limits",
        "Ranks and prices working-capital risk for a store as of a date; a decision a merchant contests goes to a "
        "person. Not validated outside the population and period it was trained on; drift is to be watched by PSI.",
    ]
    return "\n".join(lines) + "\n"
