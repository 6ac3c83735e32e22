//! The data catalog: explicit entries, dataset factories with Kedro's ranking and matching, type
//! resolution, locations, versioning and persistence (kedro/io/catalog_config_resolver.py, kedro/io/core.py,
//! kedro/framework/context/context.py).

use std::path::Path;

use indexmap::IndexMap;
use kdvc_python::format::{MissingField, format_fields};

use crate::error::{Error, Result};
use crate::value::{Map, Node, Value};

/// Classes importable from `kedro.io` (tried first by Kedro's type resolution).
pub const KEDRO_IO_TYPES: [&str; 6] = [
    "MemoryDataset",
    "SharedMemoryDataset",
    "CachedDataset",
    "AbstractDataset",
    "AbstractVersionedDataset",
    "LambdaDataset",
];

/// Sub-packages of `kedro_datasets` 9.x (tried second).
pub const KEDRO_DATASETS_PACKAGES: [&str; 31] = [
    "api",
    "biosequence",
    "dask",
    "databricks",
    "email",
    "geopandas",
    "holoviews",
    "huggingface",
    "ibis",
    "json",
    "langchain",
    "matlab",
    "matplotlib",
    "networkx",
    "openxml",
    "pandas",
    "partitions",
    "pickle",
    "pillow",
    "plotly",
    "polars",
    "redis",
    "snowflake",
    "spark",
    "svmlight",
    "tensorflow",
    "text",
    "yaml",
    "netcdf",
    "video",
    "tracking",
];

/// How a dataset name was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// An explicit catalog entry.
    Explicit,
    /// A dataset factory pattern.
    Pattern,
    /// The user's catch-all pattern.
    CatchAll,
    /// Not declared: Kedro creates a `MemoryDataset` at run time.
    Default,
    /// A parameter (`parameters`, `params:...`): Kedro feeds it from the parameters.
    Parameter,
}

/// What kdvc knows about one dataset.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DatasetInfo {
    /// The type as Kedro imports it: `kedro_datasets.pandas.CSVDataset`, `kedro.io.MemoryDataset`,
    /// `my_pkg.datasets.Foo`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Location relative to the project root (POSIX), the URL or absolute path as written, or `None`.
    pub filepath: Option<String>,
    /// `versioned: true` (the location is then a directory of versions).
    pub versioned: bool,
    /// Whether the data outlives the run (false for memory datasets).
    pub persisted: bool,
    /// The location is a directory (partitioned/incremental, versioned, spark/tensorflow/delta).
    pub is_directory: bool,
    /// `partitions.PartitionedDataset` or `partitions.IncrementalDataset`.
    pub is_partitioned: bool,
    /// How the name was resolved.
    pub resolution: Resolution,
    /// The pattern that matched (factories and catch-all).
    pub pattern: Option<String>,
    /// The type as written in the catalog.
    pub type_as_written: Option<String>,
    /// Notes (legacy `DataSet` spelling, ...).
    pub warnings: Vec<String>,
    /// The dataset's configuration after factory substitution, with `filepath`/`path`/`filename` made
    /// relative to the project root and credentials left as their names.
    pub config: serde_json::Value,
}

/// One dataset factory pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The key, e.g. `{namespace}.{name}`.
    pub pattern: String,
    /// The configuration with placeholders.
    pub config: Node,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(Vec<char>),
    Field(String),
}

impl Pattern {
    fn new(pattern: &str, config: Node) -> Self {
        Self {
            pattern: pattern.to_string(),
            config,
            parts: parse_pattern(pattern),
        }
    }

    /// Number of characters outside `{...}` (Kedro's specificity).
    pub fn specificity(&self) -> usize {
        specificity(&self.pattern)
    }

    /// Matches `name` like the `parse` library does (full match, case-insensitive, lazy fields of at least
    /// one character that may hold dots). Returns the field values.
    pub fn matches(&self, name: &str) -> Option<IndexMap<String, String>> {
        let chars: Vec<char> = name.chars().collect();
        let names: Vec<&str> = self
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Field(f) => Some(f.as_str()),
                Part::Lit(_) => None,
            })
            .collect();
        let repeated = names
            .iter()
            .enumerate()
            .any(|(i, n)| names[..i].contains(n));
        let mut m = Matcher {
            s: &chars,
            fields: Vec::new(),
            failed: std::collections::HashSet::new(),
            memo: !repeated,
            steps: MATCH_STEPS,
            lit_at: Vec::new(),
        };
        if !m.run(&self.parts, 0, 0) {
            return None;
        }
        Some(
            m.fields
                .iter()
                .map(|&(n, a, b)| (n.to_string(), chars[a..b].iter().collect()))
                .collect(),
        )
    }
}

/// `re.sub(r"\{.*?\}", "", pattern)` length, in one pass.
fn specificity(pattern: &str) -> usize {
    let chars: Vec<char> = pattern.chars().collect();
    // next_close[i]: index of the first '}' at or after i.
    let mut next_close = vec![usize::MAX; chars.len() + 1];
    for i in (0..chars.len()).rev() {
        next_close[i] = if chars[i] == '}' {
            i
        } else {
            next_close[i + 1]
        };
    }
    let mut n = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '{' && next_close[i + 1] != usize::MAX {
            i = next_close[i + 1] + 1;
            continue;
        }
        n += 1;
        i += 1;
    }
    n
}

fn parse_pattern(p: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut lit = Vec::new();
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' && chars.peek() == Some(&'{') {
            chars.next();
            lit.push('{');
        } else if c == '}' && chars.peek() == Some(&'}') {
            chars.next();
            lit.push('}');
        } else if c == '{' {
            let mut field = String::new();
            for f in chars.by_ref() {
                if f == '}' {
                    break;
                }
                field.push(f);
            }
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut lit)));
            }
            let name = field.split(':').next().unwrap_or("").to_string();
            parts.push(Part::Field(name));
        } else {
            lit.push(c);
        }
    }
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    parts
}

fn eq_ci(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Steps the matcher may take for one name and pattern before giving up: backtracking over several
/// fields is polynomial in the name's length (exponential with repeated fields), so it is bounded.
const MATCH_STEPS: usize = 1 << 17;

/// The state of one match: the name, the field values found so far (as char ranges), the states
/// known to fail (valid when no field name repeats), and the remaining step budget.
struct Matcher<'a> {
    s: &'a [char],
    fields: Vec<(&'a str, usize, usize)>,
    failed: std::collections::HashSet<(usize, usize)>,
    memo: bool,
    steps: usize,
    /// For a literal part, the positions of the name where it matches (computed once).
    lit_at: Vec<Option<std::rc::Rc<Vec<usize>>>>,
}

fn lit_at(l: &[char], s: &[char], i: usize) -> bool {
    s.len() - i >= l.len() && l.iter().zip(&s[i..]).all(|(a, b)| eq_ci(*a, *b))
}

impl<'a> Matcher<'a> {
    fn lit_positions(&mut self, parts: &[Part], k: usize) -> std::rc::Rc<Vec<usize>> {
        if let Some(Some(at)) = self.lit_at.get(k) {
            return at.clone();
        }
        let Part::Lit(l) = &parts[k] else {
            return std::rc::Rc::new(Vec::new());
        };
        let s = self.s;
        let at: Vec<usize> = (0..=s.len()).filter(|&e| lit_at(l, s, e)).collect();
        let at = std::rc::Rc::new(at);
        if self.lit_at.len() <= k {
            self.lit_at.resize(k + 1, None);
        }
        self.lit_at[k] = Some(at.clone());
        at
    }

    /// Whether `parts[k..]` match `s[i..]` exactly (lazy fields, `parse`'s semantics).
    fn run(&mut self, parts: &'a [Part], k: usize, i: usize) -> bool {
        if self.steps == 0 {
            return false;
        }
        self.steps -= 1;
        if self.memo && self.failed.contains(&(k, i)) {
            return false;
        }
        let ok = self.step(parts, k, i);
        if !ok && self.memo {
            self.failed.insert((k, i));
        }
        ok
    }

    fn step(&mut self, parts: &'a [Part], k: usize, i: usize) -> bool {
        let s = self.s;
        let Some(first) = parts.get(k) else {
            return i == s.len();
        };
        match first {
            Part::Lit(l) => lit_at(l, s, i) && self.run(parts, k + 1, i + l.len()),
            Part::Field(name) => {
                // Repeated field names must capture the same text (parse uses a back-reference).
                if let Some(&(_, a, b)) = self.fields.iter().find(|(n, _, _)| *n == name.as_str()) {
                    let prev = &s[a..b];
                    return lit_at(prev, s, i) && self.run(parts, k + 1, i + prev.len());
                }
                let (from, to) = match parts.get(k + 1) {
                    // The last part takes the rest.
                    None if i < s.len() => (s.len(), s.len()),
                    None => return false,
                    _ => (i + 1, s.len()),
                };
                // Before a literal, only the ends where it matches can succeed.
                let candidates = match parts.get(k + 1) {
                    Some(Part::Lit(_)) => self.lit_positions(parts, k + 1),
                    _ => std::rc::Rc::new(Vec::new()),
                };
                let literal_next = matches!(parts.get(k + 1), Some(Part::Lit(_)));
                let first = candidates.partition_point(|&e| e < from);
                let count = if literal_next {
                    candidates.len() - first
                } else {
                    to + 1 - from
                };
                for n in 0..count {
                    let end = if literal_next {
                        candidates[first + n]
                    } else {
                        from + n
                    };
                    if self.steps == 0 {
                        return false;
                    }
                    self.steps -= 1;
                    self.fields.push((name.as_str(), i, end));
                    if self.run(parts, k + 1, end) {
                        return true;
                    }
                    self.fields.pop();
                }
                false
            }
        }
    }
}

/// The catalog of a project for one environment.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    explicit: IndexMap<String, Node>,
    patterns: Vec<Pattern>,
    catch_all: Option<Pattern>,
    root: std::path::PathBuf,
}

impl Catalog {
    /// Builds the catalog from the loaded `catalog` config (`config_loader["catalog"]`). Credentials do
    /// not change where data is, so they are not needed here (see [`missing_credentials`]); their values
    /// are never copied.
    pub fn new(config: &Map, _credentials: &Map, root: &Path) -> Result<Self> {
        let mut explicit = IndexMap::new();
        let mut patterns = Vec::new();
        for (name, node) in config {
            if !matches!(node.value, Value::Map(_)) {
                return Err(Error::InvalidConfig {
                    location: node.origin.location(),
                    message: format!("Catalog entry '{name}' is not a valid dataset configuration"),
                    hint: "a dataset entry must be a mapping with a `type`; if this entry is meant for \
                           interpolation, prefix its key with an underscore"
                        .into(),
                });
            }
            if name.contains('{') {
                validate_pattern(name, node)?;
                patterns.push(Pattern::new(name, node.clone()));
            } else {
                explicit.insert(name.clone(), node.clone());
            }
        }
        patterns.sort_by_cached_key(|p| {
            (
                std::cmp::Reverse(p.specificity()),
                std::cmp::Reverse(p.pattern.matches('{').count()),
                p.pattern.clone(),
            )
        });
        let catch_alls: Vec<&Pattern> = patterns.iter().filter(|p| p.specificity() == 0).collect();
        if catch_alls.len() > 1 {
            let second = catch_alls[1];
            return Err(Error::MultipleCatchAll {
                location: second.config.origin.location(),
                patterns: catch_alls
                    .iter()
                    .map(|p| p.pattern.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let catch_all = if patterns.last().is_some_and(|p| p.specificity() == 0) {
            patterns.pop()
        } else {
            None
        };
        Ok(Self {
            explicit,
            patterns,
            catch_all,
            root: root.to_path_buf(),
        })
    }

    /// Names of the explicit entries, in catalog order.
    pub fn explicit_names(&self) -> Vec<&str> {
        self.explicit.keys().map(String::as_str).collect()
    }

    /// The patterns in Kedro's order (`kedro catalog list-patterns`, without the runtime `{default}`):
    /// ranked patterns, then the user catch-all.
    pub fn patterns(&self) -> Vec<&Pattern> {
        self.patterns
            .iter()
            .chain(self.catch_all.as_ref())
            .collect()
    }

    /// Whether `name` is in the catalog (`name in catalog`): explicit, or matched by a pattern or the user
    /// catch-all.
    pub fn contains(&self, name: &str) -> bool {
        !matches!(
            self.resolve(name).resolution,
            Resolution::Default | Resolution::Parameter
        )
    }

    /// The raw configuration of an explicit entry.
    pub fn explicit_config(&self, name: &str) -> Option<&Node> {
        self.explicit.get(name)
    }

    /// Resolves a dataset name the way Kedro does: explicit entry, then the first matching pattern, then the
    /// user catch-all, then an in-memory default. `parameters` and `params:...` are never matched.
    pub fn resolve(&self, name: &str) -> DatasetInfo {
        if name == "parameters" || name.starts_with("params:") {
            return DatasetInfo {
                type_name: "kedro.io.MemoryDataset".into(),
                filepath: None,
                versioned: false,
                persisted: false,
                is_directory: false,
                is_partitioned: false,
                resolution: Resolution::Parameter,
                pattern: None,
                type_as_written: None,
                warnings: Vec::new(),
                config: serde_json::json!({"type": "MemoryDataset"}),
            };
        }
        if let Some(node) = self.explicit.get(name) {
            return self.info(node.to_json(), Resolution::Explicit, None);
        }
        for p in &self.patterns {
            if let Some(fields) = p.matches(name) {
                return self.info(
                    substitute(&p.config.to_json(), &fields),
                    Resolution::Pattern,
                    Some(&p.pattern),
                );
            }
        }
        if let Some(p) = &self.catch_all
            && let Some(fields) = p.matches(name)
        {
            return self.info(
                substitute(&p.config.to_json(), &fields),
                Resolution::CatchAll,
                Some(&p.pattern),
            );
        }
        self.info(
            serde_json::json!({"type": "kedro.io.MemoryDataset"}),
            Resolution::Default,
            Some("{default}"),
        )
    }

    fn info(
        &self,
        mut config: serde_json::Value,
        resolution: Resolution,
        pattern: Option<&str>,
    ) -> DatasetInfo {
        relativize_paths(&mut config, &self.root);
        let mut warnings = Vec::new();
        let written = config
            .get("type")
            .and_then(|t| t.as_str())
            .map(str::to_string);
        let type_name = written
            .as_deref()
            .map(|t| resolve_type(t, &mut warnings))
            .unwrap_or_else(|| {
                warnings.push("the entry has no `type`".into());
                String::new()
            });
        let versioned = config
            .get("versioned")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        let short = type_name.rsplit('.').next().unwrap_or("");
        let is_partitioned = matches!(
            type_name.as_str(),
            "kedro_datasets.partitions.PartitionedDataset"
                | "kedro_datasets.partitions.IncrementalDataset"
        );
        let filepath = location(&config);
        let persisted = persists(&type_name, &config);
        let is_directory = versioned
            || is_partitioned
            || matches!(
                type_name.as_str(),
                "kedro_datasets.tensorflow.TensorFlowModelDataset"
                    | "kedro_datasets.pandas.DeltaTableDataset"
                    | "kedro_datasets.spark.SparkDataset"
                    | "kedro_datasets.spark.DeltaTableDataset"
            );
        let _ = short;
        DatasetInfo {
            type_name,
            filepath,
            versioned,
            persisted,
            is_directory,
            is_partitioned,
            resolution,
            pattern: pattern.map(str::to_string),
            type_as_written: written,
            warnings,
            config,
        }
    }
}

/// Kedro's type resolution, done statically: `kedro.io.X`, then `kedro_datasets.X`, then `X` as a full path.
pub fn resolve_type(written: &str, warnings: &mut Vec<String>) -> String {
    let mut t = written.to_string();
    if t.ends_with("DataSet") {
        let fixed = format!("{}Dataset", &t[..t.len() - "DataSet".len()]);
        warnings.push(format!(
            "'{written}' uses the legacy 'DataSet' spelling, which kedro-datasets 2.0+ no longer has; read as \
             '{fixed}'"
        ));
        t = fixed;
    }
    let t = t.strip_prefix("kedro.io.").map_or(t.clone(), |s| {
        if KEDRO_IO_TYPES.contains(&s) {
            s.to_string()
        } else {
            t.clone()
        }
    });
    if KEDRO_IO_TYPES.contains(&t.as_str()) {
        return format!("kedro.io.{t}");
    }
    let first = t.split('.').next().unwrap_or("");
    if t.contains('.') && KEDRO_DATASETS_PACKAGES.contains(&first) {
        return format!("kedro_datasets.{t}");
    }
    t
}

fn persists(type_name: &str, config: &serde_json::Value) -> bool {
    match type_name {
        "kedro.io.MemoryDataset" | "kedro.io.SharedMemoryDataset" => false,
        "kedro.io.CachedDataset" => match config.get("dataset") {
            Some(serde_json::Value::Object(inner)) => {
                inner.get("type").and_then(|t| t.as_str()).is_some_and(|t| {
                    persists(
                        &resolve_type(t, &mut Vec::new()),
                        &serde_json::Value::Object(inner.clone()),
                    )
                })
            }
            Some(serde_json::Value::String(t)) => {
                persists(&resolve_type(t, &mut Vec::new()), &serde_json::Value::Null)
            }
            _ => false,
        },
        _ => true,
    }
}

/// The dataset's location: top-level `filepath`, `path` or `filename`, else the wrapped `dataset`'s.
fn location(config: &serde_json::Value) -> Option<String> {
    for key in ["filepath", "path", "filename"] {
        if let Some(s) = config.get(key).and_then(|v| v.as_str()) {
            return Some(s.to_string());
        }
    }
    match config.get("dataset") {
        Some(inner @ serde_json::Value::Object(_)) => location(inner),
        _ => None,
    }
}

/// Kedro's `_is_relative_path`.
pub fn is_relative_path(s: &str) -> bool {
    let b = s.as_bytes();
    // PureWindowsPath(s).drive: "C:" or UNC "\\server\share" / "//server/share".
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return false;
    }
    if (s.starts_with("\\\\")
        || s.starts_with("//")
        || s.starts_with("\\/")
        || s.starts_with("/\\"))
        && s[2..].split(['/', '\\']).filter(|p| !p.is_empty()).count() >= 2
    {
        return false;
    }
    // urlparse(s).scheme
    if let Some(idx) = s.find(':') {
        let scheme = &s[..idx];
        if !scheme.is_empty()
            && scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            return false;
        }
    }
    !s.starts_with('/')
}

/// The drive of a Windows path (`PureWindowsPath(s).drive`): `C:` or a UNC share `\\server\share`, with the
/// length of its text.
fn windows_drive(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Some((s[..2].to_string(), 2));
    }
    let sep = |c: u8| c == b'/' || c == b'\\';
    if b.len() > 2 && sep(b[0]) && sep(b[1]) && !sep(b[2]) {
        let rest = &s[2..];
        let server_end = rest.find(['/', '\\'])?;
        let server = &rest[..server_end];
        let after = &rest[server_end + 1..];
        let share_end = after.find(['/', '\\']).unwrap_or(after.len());
        let share = &after[..share_end];
        if share.is_empty() {
            return None;
        }
        let len = 2 + server_end + 1 + share_end;
        return Some((format!("//{server}/{share}"), len));
    }
    None
}

/// Kedro turns an absolute Windows path into POSIX form (`PureWindowsPath(s).as_posix()`):
/// `D:\data\x.csv` -> `D:/data/x.csv`, `\\srv\share\x` -> `//srv/share/x`. `None` without a drive.
pub fn windows_drive_as_posix(s: &str) -> Option<String> {
    let (drive, len) = windows_drive(s)?;
    let rest = &s[len..];
    let rooted = rest.starts_with(['/', '\\']);
    let parts: Vec<&str> = rest
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let unc = drive.starts_with("//");
    let mut out = drive;
    if rooted || unc {
        out.push('/');
    }
    out.push_str(&parts.join("/"));
    Some(out)
}

/// `Path(p).as_posix()` normalization of a relative path: drops `.` and empty components.
fn normalize_relative(s: &str) -> String {
    let parts: Vec<&str> = s
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Makes every `filepath`/`path`/`filename` string (at any depth) a normalized project-relative path; an
/// absolute path inside the project root becomes relative too.
fn relativize_paths(v: &mut serde_json::Value, root: &Path) {
    if let serde_json::Value::Object(m) = v {
        for (k, val) in m.iter_mut() {
            if val.is_object() {
                relativize_paths(val, root);
                continue;
            }
            let Some(s) = val.as_str() else { continue };
            if !matches!(k.as_str(), "filepath" | "path" | "filename") {
                continue;
            }
            if is_relative_path(s) {
                *val = serde_json::Value::String(normalize_relative(s));
            } else if let Some(posix) = windows_drive_as_posix(s) {
                *val = serde_json::Value::String(posix);
            } else if let Some(rest) = s.strip_prefix(&format!("{}/", root.display())) {
                *val = serde_json::Value::String(normalize_relative(rest));
            }
        }
    }
}

/// `str.format_map(fields)` on every string containing `}`, recursively (dicts and lists).
fn substitute(v: &serde_json::Value, fields: &IndexMap<String, String>) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), substitute(v, fields)))
                .collect(),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.iter().map(|v| substitute(v, fields)).collect())
        }
        serde_json::Value::String(s) if s.contains('}') => {
            serde_json::Value::String(format_map(s, fields))
        }
        other => other.clone(),
    }
}

fn format_map(s: &str, fields: &IndexMap<String, String>) -> String {
    let fill = |field: &str| {
        fields
            .get(field.split([':', '!']).next().unwrap_or(""))
            .cloned()
    };
    format_fields(s, MissingField::Keep, fill).unwrap_or_else(|| s.to_owned())
}

fn placeholders(s: &str, out: &mut Vec<String>) {
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        let after = &rest[start..];
        let Some(end) = after.find('}') else { break };
        out.push(after[..=end].to_string());
        rest = &after[end + 1..];
    }
}

fn validate_pattern(name: &str, node: &Node) -> Result<()> {
    let mut in_name = Vec::new();
    placeholders(name, &mut in_name);
    let mut used = Vec::new();
    fn walk(n: &Node, used: &mut Vec<String>) {
        match &n.value {
            Value::Map(m) => m.values().for_each(|v| walk(v, used)),
            Value::List(l) => l.iter().for_each(|v| walk(v, used)),
            Value::Str(s) if s.contains('}') => placeholders(s, used),
            _ => {}
        }
    }
    walk(node, &mut used);
    let mut missing: Vec<String> = used.into_iter().filter(|p| !in_name.contains(p)).collect();
    missing.sort();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::PatternPlaceholder {
        location: node.origin.location(),
        pattern: name.to_string(),
        placeholders: missing.join(", "),
    })
}

/// Every string `credentials` value, at any depth of any catalog entry, that names no credentials entry
/// (Kedro: `KeyError("Unable to find credentials 'x'")` when it creates the catalog), with where it is.
pub fn missing_credentials(config: &Map, credentials: &Map) -> Vec<(crate::Location, String)> {
    fn walk(node: &Node, credentials: &Map, out: &mut Vec<(crate::Location, String)>) {
        if let Value::Map(m) = &node.value {
            for (k, v) in m {
                match &v.value {
                    Value::Str(name) if k == "credentials" && !credentials.contains_key(name) => {
                        out.push((v.origin.location(), name.clone()));
                    }
                    Value::Map(_) => walk(v, credentials, out),
                    _ => {}
                }
            }
        }
    }
    let mut out = Vec::new();
    for node in config.values() {
        walk(node, credentials, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(p: &str) -> Pattern {
        Pattern::new(
            p,
            Node::new(Value::Map(Map::new()), crate::value::Origin::runtime()),
        )
    }

    #[test]
    fn matching_is_lazy_case_insensitive_and_spans_dots() {
        let m = pat("{namespace}.{name}").matches("a.b.c").unwrap();
        assert_eq!((m["namespace"].as_str(), m["name"].as_str()), ("a", "b.c"));
        let m = pat("{a}{b}").matches("xyz").unwrap();
        assert_eq!((m["a"].as_str(), m["b"].as_str()), ("x", "yz"));
        assert!(
            pat("preprocessed_{name}")
                .matches("PREPROCESSED_X")
                .is_some()
        );
        assert!(pat("{a}_csv").matches("_csv").is_none());
        assert_eq!(pat("{namespace}.int_{name}").specificity(), 5);
    }

    #[test]
    fn matching_long_names_is_fast() {
        let long = "x".repeat(32_000);
        let start = std::time::Instant::now();
        for p in ["{namespace}.{name}", "{a}_{b}_{c}", "{a}{b}{c}y", "{a}.{a}"] {
            assert!(pat(p).matches(&long).is_none(), "{p}");
        }
        let m = pat("{a}.{b}").matches(&format!("{long}.y")).unwrap();
        assert_eq!(m["a"].len(), 32_000);
        let m = pat("{a}_{a}").matches(&format!("{long}_{long}")).unwrap();
        assert_eq!(m["a"], long);
        let underscores = "_".repeat(32_000);
        assert!(pat("{a}_{b}_{c}y").matches(&underscores).is_none());
        let key = format!("{}x", "{a}".repeat(10_000));
        assert_eq!(specificity(&key), 1);
        // A generous guard (a shared machine, a debug build): this takes well under a second.
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn type_resolution() {
        let mut w = Vec::new();
        assert_eq!(
            resolve_type("MemoryDataset", &mut w),
            "kedro.io.MemoryDataset"
        );
        assert_eq!(
            resolve_type("pandas.CSVDataset", &mut w),
            "kedro_datasets.pandas.CSVDataset"
        );
        assert_eq!(resolve_type("my_pkg.ds.Foo", &mut w), "my_pkg.ds.Foo");
        assert!(w.is_empty());
        assert_eq!(
            resolve_type("pandas.CSVDataSet", &mut w),
            "kedro_datasets.pandas.CSVDataset"
        );
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn relative_paths() {
        for (s, rel) in [
            ("data/x.csv", true),
            ("/tmp/x", false),
            ("s3://b/x", false),
            ("C:\\x", false),
            ("c:/x", false),
            ("dbfs:/x", false),
        ] {
            assert_eq!(is_relative_path(s), rel, "{s}");
        }
    }
}
