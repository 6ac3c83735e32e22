"""Data science: one modular pipeline, instantiated for two model variants."""

from kedro.pipeline import Pipeline, node, pipeline

from .nodes import evaluate_model, split_data, train_model

VARIANTS = ["linear", "ridge"]


def base_pipeline() -> Pipeline:
    return Pipeline(
        [
            node(
                split_data,
                inputs=["model_input_table", "params:split"],
                outputs=["X_train", "X_test", "y_train", "y_test"],
                name="split_data_node",
            ),
            node(
                train_model,
                inputs=["X_train", "y_train", "params:model_options"],
                outputs="regressor",
                name="train_model_node",
            ),
            node(
                evaluate_model,
                inputs=["regressor", "X_test", "y_test"],
                outputs="metrics",
                name="evaluate_model_node",
            ),
        ]
    )


def create_pipeline(**kwargs) -> Pipeline:
    return sum(
        pipeline(
            base_pipeline(),
            namespace=variant,
            inputs="model_input_table",
            parameters={"split": "split"},
            tags=["training", variant],
        )
        for variant in VARIANTS
    )
