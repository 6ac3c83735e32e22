//! # kdvc-yaml
//!
//! kdvc's one YAML layer, on the `saphyr-parser` event stream:
//!
//! - a **marked tree** ([`Node`]): byte spans with line and column, scalar styles, tags, expanded
//!   anchors and aliases, `<<` merge keys applied in the order of the loader being imitated, and a
//!   duplicate-key policy ([`Options`], [`parse`]);
//! - two explicit **schemas** ([`Schema`]): Kedro's YAML 1.1 (PyYAML's `SafeLoader` plus OmegaConf's
//!   typing) for Kedro configuration, and the YAML 1.2 core schema for DVC files, with the timestamp
//!   rule DVC's ruamel applies ([`is_timestamp`]);
//! - one **emitter** ([`to_yaml_string`]) writing a [`Value`] in the layout DVC (ruamel) writes.
//!
//! Errors ([`Error`]) carry a [`Span`]; callers add the file.
//!
//! ```
//! use kdvc_yaml::{Options, Scalar, Schema, Value};
//!
//! let text = "base: &base {lr: 0.1, on: yes}\nmodel:\n  <<: *base\n  seed: 017\n";
//!
//! // Kedro reads YAML 1.1: `yes` is a boolean and `017` an octal integer.
//! let kedro = kdvc_yaml::parse(text, &Options::kedro())?.expect("a document");
//! let seed = kedro.lookup(&["model", "seed"]).expect("merged");
//! assert_eq!(Schema::Kedro.resolve(seed).expect("a scalar")?, Scalar::Int(15));
//! assert_eq!((seed.span.line, seed.span.column), (4, 9));
//!
//! // DVC reads YAML 1.2: the same scalars are strings and a decimal integer.
//! let dvc = kdvc_yaml::parse(text, &Options::dvc())?.expect("a document");
//! let model = Value::from_core_node(dvc.get("model").expect("a key"));
//! assert_eq!(model.get("seed"), Some(&Value::Int(17)));
//! assert_eq!(model.get("on"), Some(&Value::from("yes")));
//!
//! // Written back in DVC's layout, with the strings quoted so both readers agree.
//! assert_eq!(kdvc_yaml::to_yaml_string(&model), "seed: 17\nlr: 0.1\n'on': 'yes'\n");
//! # Ok::<(), kdvc_yaml::Error>(())
//! ```

pub mod emit;
mod error;
#[doc(hidden)]
pub mod fuzz;
pub mod schema;
pub mod tree;
pub mod value;

pub use emit::{inline_scalar, is_ambiguous, to_yaml_string, to_yaml_string_unfolded};
pub use error::{Error, ErrorKind, Result};
pub use schema::{Scalar, Schema, Type, check_scalar_tags, is_timestamp};
pub use tree::{Content, DuplicateKeys, Node, Options, Span, Style, Tag, parse};
pub use value::{Value, python_float_repr};
