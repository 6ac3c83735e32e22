"""Reporting pipeline."""

from kedro.pipeline import Pipeline, node

from .nodes import capacity_by_type, price_chart


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(capacity_by_type, "preprocessed_shuttles", "capacity_by_type"),
            node(price_chart, "model_input_table", "price_chart"),
        ],
        tags="reporting",
    )
