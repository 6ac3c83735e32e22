//! Benchmarks for kdvc, and a generator of synthetic Kedro projects of any size.
//!
//! [`generate`] writes a complete Kedro 1.x project (`pyproject.toml`, `settings.py`, a `find_pipelines()`
//! registry, one package per modular pipeline, a catalog and parameters) into a directory. The shape is set by a
//! [`Spec`]; the same spec always gives the same bytes.
//!
//! ```no_run
//! let dir = tempfile::tempdir()?;
//! let project = kdvc_benches::generate(dir.path(), &kdvc_benches::Spec::nodes(2_000, 100))?;
//! assert!(project.root.join("pyproject.toml").exists());
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt::Write as _;

use kdvc_fingerprint::{Binding, EntryPoint, Index};
use std::io;
use std::path::{Path, PathBuf};

/// The shape of a generated project.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Python package name (`src/<package>`).
    pub package: String,
    /// Number of modular pipelines (`pipelines/p000`, ...), each registered by `find_pipelines()` and
    /// instantiated under its own namespace.
    pub modular_pipelines: usize,
    /// Nodes per modular pipeline. Nodes form a chain; every third node also reads a parameter.
    pub nodes_per_pipeline: usize,
    /// Total catalog entries. At least one per node output is declared (persisted CSV); the rest are
    /// unrelated entries, a few factory patterns among them.
    pub catalog_entries: usize,
    /// Total leaf parameter keys.
    pub param_keys: usize,
    /// Approximate total lines of Python. Filler helper modules (with cross-module imports, classes and
    /// constants) are added until the project reaches it.
    pub python_lines: usize,
}

impl Spec {
    /// A project with `nodes` nodes spread over `pipelines` modular pipelines, one catalog entry per node
    /// output, a parameter per pipeline and no filler code.
    pub fn nodes(nodes: usize, pipelines: usize) -> Self {
        let per = nodes.div_ceil(pipelines.max(1));
        Self {
            package: "synth_proj".to_owned(),
            modular_pipelines: pipelines,
            nodes_per_pipeline: per,
            catalog_entries: per * pipelines + 1,
            param_keys: pipelines * 2,
            python_lines: 0,
        }
    }

    /// Sets the number of catalog entries.
    #[must_use]
    pub fn with_catalog_entries(mut self, n: usize) -> Self {
        self.catalog_entries = n;
        self
    }

    /// Sets the number of leaf parameter keys.
    #[must_use]
    pub fn with_param_keys(mut self, n: usize) -> Self {
        self.param_keys = n;
        self
    }

    /// Sets the approximate total number of Python lines.
    #[must_use]
    pub fn with_python_lines(mut self, n: usize) -> Self {
        self.python_lines = n;
        self
    }

    /// Total number of nodes.
    pub fn total_nodes(&self) -> usize {
        self.modular_pipelines * self.nodes_per_pipeline
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The project root.
    pub root: PathBuf,
    /// Number of Python files written.
    pub python_files: usize,
    /// Total lines of Python written.
    pub python_lines: usize,
    /// Total bytes of Python written.
    pub python_bytes: usize,
    /// Every node's full (namespaced) name, in pipeline order.
    pub node_names: Vec<String>,
}

fn write(path: &Path, text: &str, stats: Option<&mut Generated>) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)?;
    if let Some(stats) = stats {
        stats.python_files += 1;
        stats.python_lines += text.lines().count();
        stats.python_bytes += text.len();
    }
    Ok(())
}

/// Writes a synthetic Kedro project described by `spec` into `dir/<package>-project`.
pub fn generate(dir: &Path, spec: &Spec) -> io::Result<Generated> {
    let root = dir.join(format!("{}-project", spec.package));
    let pkg = &spec.package;
    let src = root.join("src").join(pkg);
    let mut stats = Generated {
        root: root.clone(),
        python_files: 0,
        python_lines: 0,
        python_bytes: 0,
        node_names: Vec::new(),
    };

    write(
        &root.join("pyproject.toml"),
        &format!(
            "[project]\nname = \"{pkg}\"\nversion = \"0.1.0\"\nrequires-python = \">=3.10\"\n\n\
             [tool.kedro]\npackage_name = \"{pkg}\"\nproject_name = \"{pkg}\"\nkedro_init_version = \"1.7.0\"\n\
             source_dir = \"src\"\n"
        ),
        None,
    )?;
    write(&root.join("conf/local/.gitkeep"), "", None)?;
    write(
        &src.join("__init__.py"),
        "\"\"\"Synthetic project.\"\"\"\n__version__ = \"0.1\"\n",
        Some(&mut stats),
    )?;
    write(
        &src.join("settings.py"),
        "\"\"\"Project settings.\"\"\"\nCONF_SOURCE = \"conf\"\n",
        Some(&mut stats),
    )?;
    write(
        &src.join("pipeline_registry.py"),
        "\"\"\"Project pipelines.\"\"\"\nfrom kedro.framework.project import find_pipelines\nfrom kedro.pipeline import Pipeline\n\n\n\
         def register_pipelines() -> dict[str, Pipeline]:\n    pipelines = find_pipelines(raise_errors=True)\n    \
         pipelines[\"__default__\"] = sum(pipelines.values())\n    return pipelines\n",
        Some(&mut stats),
    )?;

    // Shared utility modules: a constants module and a helper chain, imported by every nodes.py.
    write(
        &src.join("common/__init__.py"),
        "\"\"\"Shared helpers.\"\"\"\nfrom .scaling import scale_frame\nfrom .constants import FACTOR\n\n__all__ = [\"scale_frame\", \"FACTOR\"]\n",
        Some(&mut stats),
    )?;
    write(
        &src.join("common/constants.py"),
        "\"\"\"Constants.\"\"\"\nFACTOR = 2.0\nCOLUMNS = [\"a\", \"b\", \"c\"]\n",
        Some(&mut stats),
    )?;
    write(
        &src.join("common/scaling.py"),
        "\"\"\"Scaling helpers.\"\"\"\nfrom .constants import FACTOR, COLUMNS\n\n\n\
         def _factor(x):\n    return x * FACTOR\n\n\n\
         def scale_frame(df):\n    \"\"\"Scale every known column.\"\"\"\n    out = df.copy()\n    for col in COLUMNS:\n        if col in out:\n            out[col] = _factor(out[col])\n    return out\n",
        Some(&mut stats),
    )?;

    let mut catalog = String::new();
    let mut params = String::new();
    let mut catalog_count = 0usize;
    let mut param_count = 0usize;

    // The raw input every pipeline starts from.
    catalog.push_str(
        "raw_input:\n  type: pandas.CSVDataset\n  filepath: data/01_raw/raw_input.csv\n\n",
    );
    catalog_count += 1;

    // Filler modules are sized up front so node functions can import from them.
    let pipeline_lines = spec.total_nodes() * 8 + spec.modular_pipelines * 25;
    let filler_modules = spec
        .python_lines
        .saturating_sub(pipeline_lines)
        .div_ceil(FILLER_LINES);
    let params_per_pipeline = (spec.param_keys / spec.modular_pipelines.max(1)).max(1);
    for p in 0..spec.modular_pipelines {
        let pname = format!("p{p:03}");
        let dir = src.join("pipelines").join(&pname);
        write(
            &dir.join("__init__.py"),
            &format!(
                "\"\"\"Pipeline {pname}.\"\"\"\nfrom .pipeline import create_pipeline\n\n__all__ = [\"create_pipeline\"]\n"
            ),
            Some(&mut stats),
        )?;
        let mut nodes_py = format!(
            "\"\"\"Node functions of {pname}.\"\"\"\nimport pandas as pd\n\nfrom {pkg}.common import scale_frame, FACTOR\n"
        );
        let lib_call = if filler_modules > 0 {
            let _ = writeln!(
                nodes_py,
                "from {pkg}.lib.mod_{:05} import helper_1",
                (p * 7) % filler_modules
            );
            " + helper_1(1.0)"
        } else {
            ""
        };
        nodes_py.push('\n');
        let mut pipe_py = format!(
            "\"\"\"Pipeline {pname}.\"\"\"\nfrom kedro.pipeline import Pipeline, node, pipeline\n\nfrom . import nodes\n\n\n\
             def create_pipeline(**kwargs) -> Pipeline:\n    base = Pipeline(\n        [\n"
        );
        params.push_str(&format!("{pname}:\n"));
        for k in 0..params_per_pipeline {
            if param_count < spec.param_keys {
                let _ = writeln!(params, "  k{k}: {}", (p * 7 + k) % 97);
                param_count += 1;
            }
        }
        for n in 0..spec.nodes_per_pipeline {
            let func = format!("step_{n:03}");
            let uses_param = n.is_multiple_of(3);
            let _ = write!(
                nodes_py,
                "\ndef {func}(df: pd.DataFrame{}) -> pd.DataFrame:\n    \"\"\"Step {n}.\"\"\"\n    out = scale_frame(df)\n    out[\"s{n}\"] = FACTOR * {n}{}{lib_call}\n    return out\n\n",
                if uses_param { ", k0" } else { "" },
                if uses_param { " + k0" } else { "" },
            );
            let input = if n == 0 {
                "raw_input".to_owned()
            } else {
                format!("d{:03}", n - 1)
            };
            let input_expr = if n == 0 {
                format!("\"{input}\"")
            } else if uses_param {
                format!("[\"{input}\", \"params:k0\"]")
            } else {
                format!("\"{input}\"")
            };
            let input_expr = if n == 0 && uses_param {
                format!("[\"{input}\", \"params:k0\"]")
            } else {
                input_expr
            };
            let _ = writeln!(
                pipe_py,
                "            node(nodes.{func}, {input_expr}, \"d{n:03}\", name=\"{func}\"),"
            );
            stats.node_names.push(format!("{pname}.{func}"));
            if catalog_count < spec.catalog_entries {
                let _ = write!(
                    catalog,
                    "{pname}.d{n:03}:\n  type: pandas.CSVDataset\n  filepath: data/02_intermediate/{pname}/d{n:03}.csv\n\n"
                );
                catalog_count += 1;
            }
        }
        let _ = write!(
            pipe_py,
            "        ]\n    )\n    return pipeline(\n        base,\n        namespace=\"{pname}\",\n        inputs={{\"raw_input\"}},\n        parameters={{\"params:k0\": \"params:{pname}.k0\"}},\n    )\n"
        );
        write(&dir.join("nodes.py"), &nodes_py, Some(&mut stats))?;
        write(&dir.join("pipeline.py"), &pipe_py, Some(&mut stats))?;
    }

    // Filler catalog entries: mostly plain, some versioned, a few factory patterns.
    let mut i = 0usize;
    while catalog_count < spec.catalog_entries {
        if i % 500 == 499 {
            let _ = write!(
                catalog,
                "\"{{layer}}_extra_{i}_{{name}}\":\n  type: pandas.ParquetDataset\n  filepath: data/03_primary/{{layer}}/{{name}}_{i}.parquet\n\n"
            );
        } else {
            let _ = write!(
                catalog,
                "extra_{i:05}:\n  type: pandas.CSVDataset\n  filepath: data/04_feature/extra_{i:05}.csv\n{}  load_args:\n    sep: \",\"\n\n",
                if i.is_multiple_of(7) {
                    "  versioned: true\n"
                } else {
                    ""
                }
            );
        }
        catalog_count += 1;
        i += 1;
    }
    // Filler parameters, nested two levels deep.
    let mut g = 0usize;
    while param_count < spec.param_keys {
        let _ = writeln!(params, "extra_group_{g:04}:");
        for k in 0..10 {
            if param_count >= spec.param_keys {
                break;
            }
            let _ = writeln!(params, "  key_{k}: {}", (g * 31 + k) % 1000);
            param_count += 1;
        }
        g += 1;
    }
    write(&root.join("conf/base/catalog.yml"), &catalog, None)?;
    write(&root.join("conf/base/parameters.yml"), &params, None)?;

    // Filler Python until the line target is reached: modules of helper functions, classes and constants,
    // each importing the previous module so that closures span modules.
    for m in 0..filler_modules {
        let text = filler_module(pkg, m);
        write(
            &src.join("lib").join(format!("mod_{m:05}.py")),
            &text,
            Some(&mut stats),
        )?;
    }
    if filler_modules > 0 {
        write(
            &src.join("lib/__init__.py"),
            "\"\"\"Filler library.\"\"\"\n",
            Some(&mut stats),
        )?;
    }
    Ok(stats)
}

/// Lines in one filler module (see [`filler_module`]).
const FILLER_LINES: usize = 268;

/// One filler module of [`FILLER_LINES`] lines.
fn filler_module(pkg: &str, m: usize) -> String {
    let mut s = format!("\"\"\"Filler module {m}.\"\"\"\nimport math\n\n");
    if m > 0 {
        let _ = writeln!(
            s,
            "from {pkg}.lib.mod_{:05} import helper_0 as previous_helper\n",
            m - 1
        );
    } else {
        let _ = writeln!(
            s,
            "from {pkg}.common.constants import FACTOR as previous_helper_factor\n\n\ndef previous_helper(x):\n    return x * previous_helper_factor\n"
        );
    }
    let _ = writeln!(s, "THRESHOLD_{m} = {}\n", m % 13);
    for f in 0..20 {
        let _ = write!(
            s,
            "\ndef helper_{f}(value, scale=1.0):\n    \"\"\"Helper {f} of module {m}.\"\"\"\n    # Combine the value with the previous module's helper.\n    total = previous_helper(value) * scale\n    if total > THRESHOLD_{m}:\n        total = math.sqrt(abs(total)) + {f}\n    else:\n        total = total - {f}\n    items = [total * i for i in range(3)]\n    return sum(items) / len(items)\n\n"
        );
    }
    let _ = write!(
        s,
        "\nclass Accumulator{m}:\n    \"\"\"Accumulates values.\"\"\"\n\n    def __init__(self):\n        self.values = []\n\n    def add(self, value):\n        self.values.append(helper_0(value))\n        return self\n\n    def total(self):\n        return sum(self.values)\n"
    );
    s
}

/// The node entry points of a summarized project: every top-level function of every `nodes` module, named
/// `module.function`.
pub fn node_entry_points(idx: &Index) -> Vec<(String, EntryPoint)> {
    let mut out = Vec::new();
    for m in idx
        .module_names()
        .into_iter()
        .filter(|m| m.ends_with(".nodes"))
    {
        let Some(s) = idx.summary(&m) else { continue };
        for (name, alts) in &s.bindings {
            if alts
                .iter()
                .any(|b| matches!(b, Binding::Def { class: false, .. }))
            {
                out.push((
                    format!("{m}.{name}"),
                    EntryPoint::function(m.clone(), name.clone()),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_the_requested_shape() {
        let dir = tempfile::tempdir().unwrap();
        let spec = Spec::nodes(40, 4)
            .with_catalog_entries(100)
            .with_param_keys(50)
            .with_python_lines(2_000);
        let g = generate(dir.path(), &spec).unwrap();
        assert_eq!(g.node_names.len(), 40);
        assert!(g.python_lines >= 2_000, "{} lines", g.python_lines);
        let catalog = std::fs::read_to_string(g.root.join("conf/base/catalog.yml")).unwrap();
        let entries = catalog
            .lines()
            .filter(|l| !l.starts_with(' ') && l.ends_with(':'))
            .count();
        assert_eq!(entries, 100);
        let params = std::fs::read_to_string(g.root.join("conf/base/parameters.yml")).unwrap();
        let leaves = params.lines().filter(|l| l.starts_with("  ")).count();
        assert_eq!(leaves, 50);
        // Same spec, same bytes.
        let dir2 = tempfile::tempdir().unwrap();
        let g2 = generate(dir2.path(), &spec).unwrap();
        assert_eq!(
            std::fs::read(g.root.join("src/synth_proj/pipelines/p003/pipeline.py")).unwrap(),
            std::fs::read(g2.root.join("src/synth_proj/pipelines/p003/pipeline.py")).unwrap()
        );
    }
}
