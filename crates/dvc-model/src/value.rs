//! A YAML value as DVC sees it (ruamel `typ="safe"`, YAML 1.2), for free-form fields (`meta`, `vars`,
//! params values in `dvc.lock`, ...). The type lives in `kdvc-yaml`, whose emitter writes it.

pub use kdvc_yaml::value::{Value, python_float_repr};
