"""Price regression with numpy: a ridge regression in closed form (alpha 0 is ordinary least squares)."""

import logging

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)


def split_data(data: pd.DataFrame, split: dict) -> tuple:
    """Deterministic train/test split: a seeded permutation."""
    rng = np.random.default_rng(split["random_state"])
    order = rng.permutation(len(data))
    n_test = max(1, int(round(len(data) * split["test_size"])))
    test, train = data.iloc[order[:n_test]], data.iloc[order[n_test:]]
    features = split["features"]
    return train[features], test[features], train["price"], test["price"]


def _design(x: pd.DataFrame) -> np.ndarray:
    return np.column_stack([np.ones(len(x)), x.to_numpy(dtype=float)])


def train_model(x_train: pd.DataFrame, y_train: pd.Series, model_options: dict) -> dict:
    """Fit price ~ features with an L2 penalty."""
    x = _design(x_train)
    penalty = model_options["alpha"] * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    coef = np.linalg.lstsq(x.T @ x + penalty, x.T @ y_train.to_numpy(dtype=float), rcond=None)[0]
    return {"coef": [round(float(c), 6) for c in coef], "features": list(x_train.columns)}


def evaluate_model(regressor: dict, x_test: pd.DataFrame, y_test: pd.Series) -> dict:
    """Mean absolute error and R^2 on the test rows."""
    pred = _design(x_test) @ np.array(regressor["coef"])
    y = y_test.to_numpy(dtype=float)
    mae = float(np.mean(np.abs(pred - y)))
    ss_tot = float(np.sum((y - y.mean()) ** 2)) or 1.0
    r2 = 1.0 - float(np.sum((y - pred) ** 2)) / ss_tot
    logger.info("mae %.2f, r2 %.3f", mae, r2)
    return {"mae": round(mae, 4), "r2": round(r2, 4)}
