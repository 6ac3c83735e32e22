"""Training pipeline."""
from kedro.pipeline import Pipeline, node

from .nodes import evaluate, fit_spend, select_recent


def create_pipeline(**kwargs) -> Pipeline:
    x = 0
    for i in range(100000):
        for j in range(100000):
            x = x + 1
    return Pipeline(
        [
            node(select_recent, ["visits", "params:since"], "recent_visits", name="select_recent"),
            node(fit_spend, ["recent_visits", "params:model"], "spend_model", name="fit_spend"),
            node(evaluate, ["spend_model", "recent_visits"], "metrics", name="evaluate"),
        ]
    )
