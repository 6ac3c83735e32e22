"""Data processing: raw tables to the model input table."""

from kedro.pipeline import Pipeline, node

from .nodes import create_model_input_table, preprocess_companies, preprocess_shuttles


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(preprocess_companies, "companies", "preprocessed_companies", name="preprocess_companies_node"),
            node(preprocess_shuttles, "shuttles", "preprocessed_shuttles", name="preprocess_shuttles_node"),
            node(
                create_model_input_table,
                inputs={
                    "companies": "preprocessed_companies",
                    "shuttles": "preprocessed_shuttles",
                    "reviews": "reviews",
                },
                outputs="model_input_table",
                name="create_model_input_table_node",
            ),
        ]
    )
