"""A CSV file as rows the credit pipeline can learn from, taken as it comes; or a one-line reason it cannot.

Every row with a label is kept: empty cells stay missing (LightGBM learns where they go), a column
whose values are numbers (95 % or more of its filled cells) is numeric with the odd token read as
missing, any other column is a category of its text. A text column with a distinct value on nearly
every row is an identifier or free text, not a category, and is left out (and named). The target is
compared as text with `--positive` (so `1` matches `1` and `1.0`, and `bad` matches `bad`).
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from risk.training import TrainingDataError

NUMERIC_SHARE = 0.95
ENCODINGS = ("utf-8-sig", "gb18030")  # Excel's UTF-8 with a BOM, and Chinese spreadsheets


@dataclass
class Table:
    columns: dict[str, np.ndarray]  # numeric columns as floats (NaN missing), categories as text or None
    target: np.ndarray  # 1 for the positive value
    names: list[str]
    categorical: list[str]
    time: np.ndarray | None = None
    ignored: list[str] = field(default_factory=list)
    unlabelled: int = 0
    fingerprint: str = ""


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _read(path: Path, target: str):
    import pandas as pd

    if not path.is_file():
        raise TrainingDataError(f"cannot read {path}: no such file")
    raw = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TrainingDataError(f"cannot read {path}: not text in UTF-8 or GB18030")
    if "\x00" in text:
        raise TrainingDataError(f"cannot read {path}: a binary file, not CSV")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=True, skipinitialspace=True)
        if frame.shape[1] == 1 and target not in frame.columns:  # semicolons or tabs? let pandas sniff
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=True, sep=None, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise TrainingDataError(f"cannot read {path} as CSV: {str(exc).splitlines()[0] if str(exc) else 'empty'}"
                                ) from exc
    return frame, hashlib.sha256(raw).hexdigest()


def _cells(series) -> list[str | None]:
    return [None if (value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip())
            else str(value).strip() for value in series.astype(object).tolist()]


def load_csv(path: str | Path, *, target: str, positive: str, time_column: str | None = None) -> Table:
    """The file's rows, typed; TrainingDataError names what makes it unusable."""
    frame, digest = _read(Path(path), target)
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(set(frame.columns)) != len(frame.columns):
        raise TrainingDataError("two columns have the same name")
    for wanted, what in ((target, "target"), (time_column, "time")):
        if wanted is not None and wanted not in frame.columns:
            raise TrainingDataError(f"no {what} column {wanted!r}; the columns are: {', '.join(frame.columns)}")
    labels = _cells(frame[target])
    wanted_number = _number(positive.strip())

    def matches(label: str) -> bool:
        number = _number(label)
        return label == positive.strip() or (None not in (number, wanted_number) and number == wanted_number)

    distinct: dict[str, bool] = {}
    for label in labels:
        if label is not None:
            key = str(_number(label)) if _number(label) is not None else label
            distinct.setdefault(key, matches(label))
    if len(distinct) > 2:
        shown = ", ".join(list(distinct)[:5])
        raise TrainingDataError(f"target {target!r} is not binary: {len(distinct)} distinct values ({shown}, ...)")
    if len(distinct) < 2:
        raise TrainingDataError(f"target {target!r} has a single class ({', '.join(distinct) or 'no values'})")
    if not any(distinct.values()):
        raise TrainingDataError(f"no row has target {target!r} = {positive!r}; its values are {', '.join(distinct)}")
    labelled = np.array([label is not None for label in labels])
    y = np.array([1 if label is not None and matches(label) else 0 for label in labels])[labelled]
    features = [c for c in frame.columns if c not in (target, time_column)]
    if not features:
        raise TrainingDataError("no columns besides the target to learn from")

    table = Table(columns={}, target=y, names=[], categorical=[], unlabelled=int((~labelled).sum()),
                  fingerprint=hashlib.sha256(f"{digest}|{target}|{positive}|{time_column}".encode()).hexdigest())
    n = int(labelled.sum())
    for name in features:
        cells = [cell for cell, keep in zip(_cells(frame[name]), labelled, strict=True) if keep]
        filled = [cell for cell in cells if cell is not None]
        numbers = [_number(cell) for cell in filled]
        if filled and sum(number is not None for number in numbers) >= NUMERIC_SHARE * len(filled):
            table.columns[name] = np.array([np.nan if c is None or _number(c) is None else _number(c) for c in cells])
        elif len(set(filled)) > max(50, 0.5 * n):
            table.ignored.append(name)
            continue
        else:
            table.columns[name] = np.array(cells, dtype=object)
            table.categorical.append(name)
        table.names.append(name)
    if not table.names:
        raise TrainingDataError("every column besides the target is an identifier or free text")
    if time_column is not None:
        table.time = _times(frame[time_column], labelled, time_column)
    return table


def _times(series, labelled: np.ndarray, name: str) -> np.ndarray:
    """A sortable number per row: the column's numbers, or its dates as nanoseconds."""
    import pandas as pd

    cells = [cell for cell, keep in zip(_cells(series), labelled, strict=True) if keep]
    numbers = [_number(c) if c is not None else None for c in cells]
    if all(number is not None for number in numbers):
        return np.array(numbers, dtype=float)
    dates = pd.to_datetime(pd.Series(cells, dtype=object), errors="coerce", utc=True, format="mixed")
    bad = int(dates.isna().sum())
    if bad:
        raise TrainingDataError(f"time column {name!r} has {bad} rows that are neither a date nor a number")
    return dates.astype("int64").to_numpy(dtype=float)
