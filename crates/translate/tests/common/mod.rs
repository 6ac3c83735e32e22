//! Helpers shared by the translate tests.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;

use kdvc_translate::{DatasetInfo, DatasetLocation, NodeInput, ParamSource, PlanInput};

/// An empty input for the `__default__` pipeline.
pub fn default_pipeline() -> PlanInput {
    PlanInput {
        pipeline: "__default__".into(),
        ..PlanInput::default()
    }
}

/// A node with inputs and outputs.
pub fn node(name: &str, inputs: &[&str], outputs: &[&str]) -> NodeInput {
    NodeInput {
        name: name.into(),
        namespace: name.rsplit_once('.').map(|(ns, _)| ns.to_string()),
        inputs: inputs.iter().map(|s| (*s).to_string()).collect(),
        outputs: outputs.iter().map(|s| (*s).to_string()).collect(),
        tags: Vec::new(),
    }
}

/// A local file dataset.
pub fn file(ty: &str, path: &str) -> DatasetInfo {
    DatasetInfo::file(ty, path)
}

/// A directory dataset (versioned or partitioned).
pub fn dir(ty: &str, path: &str, versioned: bool, partitioned: bool) -> DatasetInfo {
    DatasetInfo {
        type_name: Some(ty.into()),
        location: DatasetLocation::Directory(path.into()),
        versioned,
        partitioned,
    }
}

/// Validates a dvc.yaml text against the vendored JSON schema and DVC's strict reader in dvc-model.
pub fn assert_valid_dvc_yaml(text: &str) {
    let schema = kdvc_test_support::dvc_yaml_schema();
    let value = kdvc_dvc_model::yaml::from_yaml_str(text, Path::new("dvc.yaml"))
        .unwrap_or_else(|e| panic!("generated dvc.yaml does not parse: {e}\n{text}"))
        .to_json();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}\n{text}");
    kdvc_dvc_model::DvcYaml::parse(text, Path::new("dvc.yaml"))
        .unwrap_or_else(|e| panic!("DVC's schema rejects the generated dvc.yaml: {e}\n{text}"));
}

/// A spaceflights-like input exercising fusion, versioned, partitioned, metrics, plots, lambda and
/// partial nodes, namespaces and parameter provenance.
pub fn spaceflights() -> PlanInput {
    let mut input = default_pipeline();
    input.nodes = vec![
        node(
            "preprocess_companies_node",
            &["companies"],
            &["preprocessed_companies"],
        ),
        node(
            "preprocess_shuttles_node",
            &["shuttles"],
            &["preprocessed_shuttles"],
        ),
        node(
            "create_model_input_table_node",
            &["preprocessed_shuttles", "preprocessed_companies", "reviews"],
            &["model_input_table"],
        ),
        node(
            "data_science.split_data_node",
            &["model_input_table", "params:data_science.model_options"],
            &[
                "data_science.X_train",
                "data_science.X_test",
                "data_science.y_train",
                "data_science.y_test",
            ],
        ),
        node(
            "data_science.train_model_node",
            &[
                "data_science.X_train",
                "data_science.y_train",
                "params:seed",
            ],
            &["data_science.regressor"],
        ),
        node(
            "data_science.evaluate_model_node",
            &[
                "data_science.regressor",
                "data_science.X_test",
                "data_science.y_test",
            ],
            &["data_science.metrics"],
        ),
        node(
            "<lambda>__1a2b3c4d",
            &["model_input_table"],
            &["shuttle_plot"],
        ),
        node(
            "partial(summarize)__9f8e7d6c",
            &["reviews_parts", "parameters"],
            &["summary@pandas"],
        ),
        node(
            "report_node",
            &["summary@spark", "remote_prices"],
            &["report"],
        ),
    ];
    let ds = &mut input.datasets;
    ds.insert(
        "companies".into(),
        file("pandas.CSVDataset", "data/01_raw/companies.csv"),
    );
    ds.insert(
        "shuttles".into(),
        file("pandas.ExcelDataset", "data/01_raw/shuttles.xlsx"),
    );
    ds.insert(
        "reviews".into(),
        file("pandas.CSVDataset", "data/01_raw/reviews.csv"),
    );
    ds.insert(
        "reviews_parts".into(),
        dir(
            "partitions.PartitionedDataset",
            "data/01_raw/reviews_parts",
            false,
            true,
        ),
    );
    ds.insert(
        "preprocessed_companies".into(),
        file(
            "pandas.ParquetDataset",
            "data/02_intermediate/preprocessed_companies.parquet",
        ),
    );
    ds.insert(
        "preprocessed_shuttles".into(),
        file(
            "pandas.ParquetDataset",
            "data/02_intermediate/preprocessed_shuttles.parquet",
        ),
    );
    ds.insert(
        "model_input_table".into(),
        file(
            "pandas.ParquetDataset",
            "data/03_primary/model_input_table.parquet",
        ),
    );
    ds.insert(
        "data_science.regressor".into(),
        dir(
            "pickle.PickleDataset",
            "data/06_models/regressor.pickle",
            true,
            false,
        ),
    );
    ds.insert(
        "data_science.metrics".into(),
        file("json.JSONDataset", "data/09_tracking/metrics.json"),
    );
    ds.insert(
        "shuttle_plot".into(),
        file(
            "matplotlib.MatplotlibDataset",
            "data/08_reporting/shuttles.png",
        ),
    );
    ds.insert(
        "summary@pandas".into(),
        file("pandas.CSVDataset", "data/08_reporting/summary.csv"),
    );
    ds.insert(
        "summary@spark".into(),
        file("spark.SparkDataset", "data/08_reporting/summary.csv"),
    );
    ds.insert(
        "remote_prices".into(),
        DatasetInfo {
            type_name: Some("pandas.CSVDataset".into()),
            location: DatasetLocation::Url("s3://bucket/prices.csv".into()),
            versioned: false,
            partitioned: false,
        },
    );
    ds.insert(
        "report".into(),
        file("text.TextDataset", "data/08_reporting/report.txt"),
    );
    input.params.insert(
        "data_science.model_options".into(),
        vec![
            ParamSource::new(
                "conf/base/parameters_data_science.yml",
                &["data_science", "model_options"],
            ),
            ParamSource::new("conf/base/globals.yml", &["seed"]),
        ],
    );
    input.params.insert(
        "seed".into(),
        vec![ParamSource::new("conf/local/parameters.yml", &["seed"])],
    );
    input.parameters_sources = vec![
        ParamSource::new("conf/base/parameters.yml", &[]),
        ParamSource::new("conf/base/parameters_data_science.yml", &[]),
        ParamSource::new("conf/local/parameters.yml", &[]),
        ParamSource::new("conf/base/globals.yml", &["seed"]),
    ];
    input
}
