//! Typed, strict models of `dvc.yaml`, `dvc.lock` (schema 2.0) and `.dvc` files.
//!
//! Reading rejects what DVC's own schema (`dvc/schema.py`) rejects, with the file, the YAML path and the
//! line and column. Writing uses DVC's key order and ruamel's layout, so files DVC wrote come back
//! byte-identical.

use std::path::Path;

use indexmap::IndexMap;

use crate::error::{Error, Result};
use crate::read::Cx;
use crate::value::Value;
use crate::yaml::{Content, Node, is_map, is_null, is_seq, parse, to_yaml_string};

fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))
}

/// Pushes `key: value` onto a mapping under construction.
struct MapBuilder(Vec<(Value, Value)>);

impl MapBuilder {
    fn new() -> Self {
        MapBuilder(Vec::new())
    }
    fn put(&mut self, k: &str, v: Value) {
        self.0.push((s(k), v));
    }
    fn opt_str(&mut self, k: &str, v: &Option<String>) {
        if let Some(v) = v {
            self.put(k, s(v));
        }
    }
    fn opt_strs(&mut self, k: &str, v: &Option<Vec<String>>) {
        if let Some(v) = v {
            self.put(k, Value::Seq(v.iter().map(|x| s(x)).collect()));
        }
    }
    fn opt_bool(&mut self, k: &str, v: Option<bool>) {
        if let Some(v) = v {
            self.put(k, Value::Bool(v));
        }
    }
    fn opt_u64(&mut self, k: &str, v: Option<u64>) {
        if let Some(v) = v {
            self.put(k, Value::Int(v as i64));
        }
    }
    fn opt_value(&mut self, k: &str, v: &Option<Value>) {
        if let Some(v) = v {
            self.put(k, v.clone());
        }
    }
    /// `key: [entries]` when there are entries.
    fn entries(&mut self, k: &str, es: &[Entry], style: EntryStyle) {
        if !es.is_empty() {
            self.put(
                k,
                Value::Seq(es.iter().map(|e| e.to_value(style)).collect()),
            );
        }
    }
    fn done(self) -> Value {
        Value::Map(self.0)
    }
}

/// A mapping of names to `value(item)`, in order.
fn named<T>(items: &IndexMap<String, T>, value: impl Fn(&T) -> Value) -> Value {
    Value::Map(items.iter().map(|(k, v)| (s(k), value(v))).collect())
}

/// `to_yaml` and `write` for a file type that has a `to_value`.
macro_rules! yaml_file_io {
    ($t:ty) => {
        impl $t {
            /// The YAML text, deterministic, with DVC's layout.
            pub fn to_yaml(&self) -> String {
                to_yaml_string(&self.to_value())
            }

            /// Writes the file atomically.
            pub fn write(&self, path: &Path) -> Result<()> {
                crate::fsutil::write_atomic(path, self.to_yaml().as_bytes())
            }
        }
    };
}

yaml_file_io!(DvcYaml);
yaml_file_io!(DvcLock);
yaml_file_io!(DvcFile);

// ---------------------------------------------------------------------------------------------------------
// dvc.yaml

/// A `dvc.yaml` file (`MULTI_STAGE_SCHEMA`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DvcYaml {
    /// Top-level `vars`: `path[:keys]` strings or mappings.
    pub vars: Option<Vec<Value>>,
    /// Stages in file order.
    pub stages: IndexMap<String, StageDef>,
    /// Extra params files shown by `dvc params show` / `exp show`.
    pub params: Option<Vec<String>>,
    /// Metrics files shown without a stage.
    pub metrics: Option<Vec<String>>,
    /// Top-level plots.
    pub plots: Option<Vec<TopPlot>>,
    /// Model registry artifacts.
    pub artifacts: Option<IndexMap<String, Artifact>>,
    /// `datasets` (any value, as DVC's schema says).
    pub datasets: Option<Value>,
}

/// A stage entry of `dvc.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub enum StageDef {
    /// A plain stage, or a `matrix` stage (with [`Stage::matrix`] set).
    Stage(Box<Stage>),
    /// A `foreach` / `do` group.
    Foreach {
        /// What to iterate over: a list, a mapping or an interpolation string.
        foreach: Value,
        /// The stage template.
        do_: Box<Stage>,
    },
}

/// The command of a stage: one string or a list run in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// `cmd: python train.py`
    One(String),
    /// `cmd: [a, b]`
    Many(Vec<String>),
}

impl Default for Cmd {
    fn default() -> Self {
        Cmd::One(String::new())
    }
}

impl Cmd {
    fn to_value(&self) -> Value {
        match self {
            Cmd::One(c) => s(c),
            Cmd::Many(v) => Value::Seq(v.iter().map(|c| s(c)).collect()),
        }
    }

    fn read(cx: &Cx<'_>, n: &Node) -> Result<Cmd> {
        match &n.content {
            Content::Seq { items, .. } => Ok(Cmd::Many(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, it)| cx.index(i).str(it))
                    .collect::<Result<_>>()?,
            )),
            _ => cx.str(n).map(Cmd::One),
        }
    }
}

/// A stage (`STAGE_DEFINITION`). Written in DVC's order: desc, cmd, wdir, deps, params, outs, metrics,
/// plots, frozen, always_changed, meta (with `matrix` and `vars` first).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stage {
    /// `matrix`: name -> list of values or an interpolation string.
    pub matrix: Option<IndexMap<String, Value>>,
    /// Stage-local `vars`.
    pub vars: Option<Vec<Value>>,
    /// Description.
    pub desc: Option<String>,
    /// The command (required).
    pub cmd: Cmd,
    /// Working directory, relative to the `dvc.yaml`.
    pub wdir: Option<String>,
    /// Dependencies (paths).
    pub deps: Vec<String>,
    /// Parameter dependencies.
    pub params: Vec<ParamDep>,
    /// Outputs.
    pub outs: Vec<Out>,
    /// Metrics outputs.
    pub metrics: Vec<Out>,
    /// Plots outputs.
    pub plots: Vec<Out>,
    /// Never run; outs are only verified.
    pub frozen: Option<bool>,
    /// Always run.
    pub always_changed: Option<bool>,
    /// Free metadata (kdvc puts the Kedro identity here).
    pub meta: Option<Value>,
}

/// One item of a stage's `params`.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamDep {
    /// A key of `params.yaml` (relative to `wdir`), dotted for nesting.
    Key(String),
    /// `{file: [keys]}`; `None` tracks the whole file.
    Files(IndexMap<String, Option<Vec<String>>>),
}

/// An output (`outs`, `metrics` or `plots` item): a path plus flags.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Out {
    /// The path, relative to `wdir`.
    pub path: String,
    /// Flags; all `None` writes the plain path.
    pub flags: OutFlags,
}

impl Out {
    /// An output without flags.
    pub fn new(path: impl Into<String>) -> Self {
        Out {
            path: path.into(),
            flags: OutFlags::default(),
        }
    }
}

/// The flags of an output, in DVC's write order. Plot keys only for `plots`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutFlags {
    /// `desc`
    pub desc: Option<String>,
    /// `type`
    pub type_: Option<String>,
    /// `labels`
    pub labels: Option<Vec<String>>,
    /// `meta`
    pub meta: Option<Value>,
    /// `cache` (default true; false keeps the file in git)
    pub cache: Option<bool>,
    /// `persist` (default false)
    pub persist: Option<bool>,
    /// Legacy `checkpoint`.
    pub checkpoint: Option<bool>,
    /// Plot `template`
    pub template: Option<String>,
    /// Plot `x`
    pub x: Option<String>,
    /// Plot `y`
    pub y: Option<String>,
    /// Plot `x_label`
    pub x_label: Option<String>,
    /// Plot `y_label`
    pub y_label: Option<String>,
    /// Plot `title`
    pub title: Option<String>,
    /// Plot `header`
    pub header: Option<bool>,
    /// `remote`
    pub remote: Option<String>,
    /// `push` (default true)
    pub push: Option<bool>,
}

impl OutFlags {
    fn is_empty(&self) -> bool {
        *self == OutFlags::default()
    }
}

/// A top-level `plots` item.
#[derive(Debug, Clone, PartialEq)]
pub enum TopPlot {
    /// A path (file or directory).
    Path(String),
    /// `{id: definition}`; the definition keeps its keys (`x`, `y`, `x_label`, `y_label`, `title`,
    /// `template`), `None` for `id:` alone.
    Def(String, Option<Value>),
}

/// An artifact (`artifacts: {name: ...}`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Artifact {
    /// Path (required).
    pub path: String,
    /// `type`
    pub type_: Option<String>,
    /// `desc`
    pub desc: Option<String>,
    /// `labels`
    pub labels: Option<Vec<String>>,
    /// `meta`
    pub meta: Option<Value>,
}

impl DvcYaml {
    /// Reads and validates a `dvc.yaml`.
    pub fn read(path: &Path) -> Result<DvcYaml> {
        Self::parse(&read_text(path)?, path)
    }

    /// Parses and validates `dvc.yaml` text; `path` is used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<DvcYaml> {
        let root = parse(text, path)?;
        let cx = Cx::new(path);
        let mut y = DvcYaml::default();
        for (k, kn, v) in cx.map(&root)? {
            let c = cx.key(k);
            match k {
                "stages" => {
                    for (name, _, sv) in c.map(v)? {
                        let st = read_stage_def(&c.key(name), sv)?;
                        y.stages.insert(name.to_string(), st);
                    }
                }
                "vars" => y.vars = Some(read_vars(&c, v)?),
                "params" => y.params = Some(c.str_list(v)?),
                "metrics" => y.metrics = Some(c.str_list(v)?),
                "plots" => {
                    let mut plots = Vec::new();
                    for (i, it) in c.seq(v)?.iter().enumerate() {
                        plots.push(read_top_plot(&c.index(i), it)?);
                    }
                    y.plots = Some(plots);
                }
                "artifacts" => y.artifacts = Some(c.string_map(v, read_artifact)?),
                "datasets" => y.datasets = Some(c.value(v)),
                _ => return Err(c.extra(kn)),
            }
        }
        Ok(y)
    }

    /// Renders stages as the entries of a `stages:` mapping (each `  name:` line and its body, indented
    /// by 2), in DVC's key order and ruamel's layout but with long lines not folded: kdvc splices these
    /// blocks into existing files and compares them line by line. Empty for no stages.
    pub fn render_stage_entries<'s>(
        stages: impl IntoIterator<Item = (&'s str, &'s Stage)>,
    ) -> String {
        let entries: Vec<(Value, Value)> = stages
            .into_iter()
            .map(|(name, st)| (s(name), st.to_value()))
            .collect();
        if entries.is_empty() {
            return String::new();
        }
        let doc = Value::Map(vec![(s("stages"), Value::Map(entries))]);
        let text = crate::yaml::to_yaml_string_unfolded(&doc);
        text.strip_prefix("stages:\n").unwrap_or(&text).to_string()
    }

    /// The file as a generic value, in the order written.
    pub fn to_value(&self) -> Value {
        let mut m = MapBuilder::new();
        if let Some(v) = &self.vars {
            m.put("vars", Value::Seq(v.clone()));
        }
        if !self.stages.is_empty() {
            m.put("stages", named(&self.stages, StageDef::to_value));
        }
        m.opt_strs("params", &self.params);
        m.opt_strs("metrics", &self.metrics);
        if let Some(p) = &self.plots {
            m.put(
                "plots",
                Value::Seq(
                    p.iter()
                        .map(|p| match p {
                            TopPlot::Path(x) => s(x),
                            TopPlot::Def(id, d) => {
                                Value::Map(vec![(s(id), d.clone().unwrap_or(Value::Null))])
                            }
                        })
                        .collect(),
                ),
            );
        }
        if let Some(a) = &self.artifacts {
            m.put("artifacts", named(a, Artifact::to_value));
        }
        m.opt_value("datasets", &self.datasets);
        m.done()
    }
}

fn read_vars(cx: &Cx<'_>, n: &Node) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for (i, it) in cx.seq(n)?.iter().enumerate() {
        if is_map(it) {
            out.push(cx.value(it));
        } else {
            out.push(Value::Str(cx.index(i).str(it)?));
        }
    }
    Ok(out)
}

fn read_top_plot(cx: &Cx<'_>, n: &Node) -> Result<TopPlot> {
    match &n.content {
        Content::Map { .. } => {
            let entries = cx.map(n)?;
            let [(id, _, def)] = entries.as_slice() else {
                return Err(cx.err(n, "expected a single plot id per list item"));
            };
            let c = cx.key(id);
            let def = match def {
                def if is_null(def) => None,
                _ => {
                    for (k, kn, v) in c.map(def)? {
                        let ck = c.key(k);
                        match k {
                            "x_label" | "y_label" | "title" | "template" => {
                                ck.str(v)?;
                            }
                            "x" => {
                                if !is_map(v) {
                                    ck.str(v)?;
                                }
                            }
                            "y" => {}
                            _ => return Err(ck.extra(kn)),
                        }
                    }
                    Some(c.value(def))
                }
            };
            Ok(TopPlot::Def(id.to_string(), def))
        }
        _ => Ok(TopPlot::Path(cx.str(n)?)),
    }
}

fn read_artifact(cx: &Cx<'_>, n: &Node) -> Result<Artifact> {
    let mut a = Artifact::default();
    let mut has_path = false;
    for (k, kn, v) in cx.map(n)? {
        let c = cx.key(k);
        match k {
            "path" => {
                a.path = c.str(v)?;
                has_path = true;
            }
            "type" => a.type_ = Some(c.str(v)?),
            "desc" => a.desc = Some(c.str(v)?),
            "labels" => a.labels = Some(c.str_list(v)?),
            "meta" => a.meta = Some(c.value(v)),
            _ => return Err(c.extra(kn)),
        }
    }
    if !has_path {
        return Err(cx.required(n, "path"));
    }
    Ok(a)
}

impl Artifact {
    fn to_value(&self) -> Value {
        let mut m = MapBuilder::new();
        m.put("path", s(&self.path));
        m.opt_str("type", &self.type_);
        m.opt_str("desc", &self.desc);
        m.opt_strs("labels", &self.labels);
        m.opt_value("meta", &self.meta);
        m.done()
    }
}

fn read_stage_def(cx: &Cx<'_>, n: &Node) -> Result<StageDef> {
    let entries = cx.map(n)?;
    if entries
        .iter()
        .any(|(k, _, _)| *k == "foreach" || *k == "do")
    {
        let (mut foreach, mut do_) = (None, None);
        for (k, kn, v) in entries {
            let c = cx.key(k);
            match k {
                "foreach" => {
                    if !is_map(v) && !is_seq(v) {
                        c.str(v)?;
                    }
                    foreach = Some(c.value(v));
                }
                "do" => do_ = Some(read_stage(&c, v)?),
                _ => return Err(c.extra(kn)),
            }
        }
        let foreach = foreach.ok_or_else(|| cx.required(n, "foreach"))?;
        let do_ = do_.ok_or_else(|| cx.required(n, "do"))?;
        return Ok(StageDef::Foreach {
            foreach,
            do_: Box::new(do_),
        });
    }
    Ok(StageDef::Stage(Box::new(read_stage(cx, n)?)))
}

fn read_stage(cx: &Cx<'_>, n: &Node) -> Result<Stage> {
    let mut st = Stage::default();
    let cmd = read_cmd_stage(cx, n, |c, k, kn, v| {
        match k {
            "matrix" => {
                st.matrix = Some(c.string_map(v, |c2, mv| {
                    if !is_seq(mv) {
                        c2.str(mv)?;
                    }
                    Ok(c2.value(mv))
                })?);
            }
            "wdir" => st.wdir = Some(c.str(v)?),
            "deps" => st.deps = c.str_list(v)?,
            "params" => {
                for (i, it) in c.seq(v)?.iter().enumerate() {
                    st.params.push(read_param_dep(&c.index(i), it)?);
                }
            }
            "vars" => st.vars = Some(read_vars(c, v)?),
            "frozen" => st.frozen = Some(c.bool(v)?),
            "meta" => st.meta = Some(c.value(v)),
            "desc" => st.desc = Some(c.str(v)?),
            "always_changed" => st.always_changed = Some(c.bool(v)?),
            "outs" | "metrics" | "plots" => {
                let mut outs = Vec::new();
                for (i, it) in c.seq(v)?.iter().enumerate() {
                    outs.push(read_out(&c.index(i), it, k == "plots")?);
                }
                match k {
                    "outs" => st.outs = outs,
                    "metrics" => st.metrics = outs,
                    _ => st.plots = outs,
                }
            }
            _ => return Err(c.extra(kn)),
        }
        Ok(())
    })?;
    Ok(Stage { cmd, ..st })
}

/// Reads a stage mapping: `cmd` (required) with [`Cmd::read`], every other key with `other` (the key's
/// context, the key, the key's node and the value).
fn read_cmd_stage<'n>(
    cx: &Cx<'n>,
    n: &'n Node,
    mut other: impl FnMut(&Cx<'n>, &'n str, &'n Node, &'n Node) -> Result<()>,
) -> Result<Cmd> {
    let mut cmd = None;
    for (k, kn, v) in cx.map(n)? {
        let c = cx.key(k);
        if k == "cmd" {
            cmd = Some(Cmd::read(&c, v)?);
        } else {
            other(&c, k, kn, v)?;
        }
    }
    cmd.ok_or_else(|| cx.required(n, "cmd"))
}

fn read_param_dep(cx: &Cx<'_>, n: &Node) -> Result<ParamDep> {
    match &n.content {
        Content::Map { .. } => {
            let mut files = IndexMap::new();
            for (file, _, v) in cx.map(n)? {
                let c = cx.key(file);
                let keys = if is_null(v) {
                    None
                } else {
                    Some(c.str_list(v)?)
                };
                files.insert(file.to_string(), keys);
            }
            Ok(ParamDep::Files(files))
        }
        _ => cx.str(n).map(ParamDep::Key),
    }
}

fn read_out(cx: &Cx<'_>, n: &Node, plot: bool) -> Result<Out> {
    let Content::Map { .. } = &n.content else {
        return Ok(Out::new(cx.str(n)?));
    };
    let entries = cx.map(n)?;
    let [(path, _, flags_node)] = entries.as_slice() else {
        return Err(cx.err(n, "expected a single path per list item"));
    };
    let c = cx.key(path);
    let mut f = OutFlags::default();
    for (k, kn, v) in c.map(flags_node)? {
        let ck = c.key(k);
        match k {
            "desc" => f.desc = Some(ck.str(v)?),
            "type" => f.type_ = Some(ck.str(v)?),
            "labels" => f.labels = Some(ck.str_list(v)?),
            "meta" => f.meta = Some(ck.value(v)),
            "cache" => f.cache = Some(ck.bool(v)?),
            "persist" => f.persist = Some(ck.bool(v)?),
            "checkpoint" => f.checkpoint = Some(ck.bool(v)?),
            "remote" => f.remote = Some(ck.str(v)?),
            "push" => f.push = Some(ck.bool(v)?),
            "template" if plot => f.template = Some(ck.str(v)?),
            "x" if plot => f.x = Some(ck.str(v)?),
            "y" if plot => f.y = Some(ck.str(v)?),
            "x_label" if plot => f.x_label = Some(ck.str(v)?),
            "y_label" if plot => f.y_label = Some(ck.str(v)?),
            "title" if plot => f.title = Some(ck.str(v)?),
            "header" if plot => f.header = Some(ck.bool(v)?),
            _ => return Err(ck.extra(kn)),
        }
    }
    Ok(Out {
        path: path.to_string(),
        flags: f,
    })
}

impl StageDef {
    fn to_value(&self) -> Value {
        match self {
            StageDef::Stage(st) => st.to_value(),
            StageDef::Foreach { foreach, do_ } => {
                Value::map([("foreach", foreach.clone()), ("do", do_.to_value())])
            }
        }
    }

    /// The plain stage, if this is one.
    pub fn as_stage(&self) -> Option<&Stage> {
        match self {
            StageDef::Stage(s) => Some(s),
            StageDef::Foreach { .. } => None,
        }
    }
}

impl Stage {
    /// A stage with only a command.
    pub fn new(cmd: impl Into<String>) -> Self {
        Stage {
            cmd: Cmd::One(cmd.into()),
            ..Stage::default()
        }
    }

    /// The stage as a generic value, in DVC's key order.
    pub fn to_value(&self) -> Value {
        let mut m = MapBuilder::new();
        if let Some(mx) = &self.matrix {
            m.put(
                "matrix",
                Value::Map(mx.iter().map(|(k, v)| (s(k), v.clone())).collect()),
            );
        }
        if let Some(v) = &self.vars {
            m.put("vars", Value::Seq(v.clone()));
        }
        m.opt_str("desc", &self.desc);
        m.put("cmd", self.cmd.to_value());
        m.opt_str("wdir", &self.wdir);
        if !self.deps.is_empty() {
            m.put("deps", Value::Seq(self.deps.iter().map(|d| s(d)).collect()));
        }
        if !self.params.is_empty() {
            m.put(
                "params",
                Value::Seq(
                    self.params
                        .iter()
                        .map(|p| match p {
                            ParamDep::Key(k) => s(k),
                            ParamDep::Files(files) => Value::Map(
                                files
                                    .iter()
                                    .map(|(f, keys)| {
                                        (
                                            s(f),
                                            keys.as_ref().map_or(Value::Null, |ks| {
                                                Value::Seq(ks.iter().map(|k| s(k)).collect())
                                            }),
                                        )
                                    })
                                    .collect(),
                            ),
                        })
                        .collect(),
                ),
            );
        }
        for (key, outs) in [
            ("outs", &self.outs),
            ("metrics", &self.metrics),
            ("plots", &self.plots),
        ] {
            if !outs.is_empty() {
                m.put(key, Value::Seq(outs.iter().map(Out::to_value).collect()));
            }
        }
        m.opt_bool("frozen", self.frozen);
        m.opt_bool("always_changed", self.always_changed);
        m.opt_value("meta", &self.meta);
        m.done()
    }
}

impl Out {
    fn to_value(&self) -> Value {
        if self.flags.is_empty() {
            return s(&self.path);
        }
        let f = &self.flags;
        let mut m = MapBuilder::new();
        m.opt_str("desc", &f.desc);
        m.opt_str("type", &f.type_);
        m.opt_strs("labels", &f.labels);
        m.opt_value("meta", &f.meta);
        m.opt_bool("cache", f.cache);
        m.opt_bool("persist", f.persist);
        m.opt_bool("checkpoint", f.checkpoint);
        m.opt_str("template", &f.template);
        m.opt_str("x", &f.x);
        m.opt_str("y", &f.y);
        m.opt_str("x_label", &f.x_label);
        m.opt_str("y_label", &f.y_label);
        m.opt_str("title", &f.title);
        m.opt_bool("header", f.header);
        m.opt_str("remote", &f.remote);
        m.opt_bool("push", f.push);
        Value::Map(vec![(s(&self.path), m.done())])
    }
}

// ---------------------------------------------------------------------------------------------------------
// Entries of dvc.lock and .dvc files

/// A dependency or output entry with its recorded hash (`DATA_SCHEMA` / output `SCHEMA`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entry {
    /// Path, relative to the stage's `wdir` (or the `.dvc` file's directory).
    pub path: String,
    /// `hash: md5` for DVC 3 entries; `None` marks a legacy 2.x entry (md5-dos2unix).
    pub hash: Option<String>,
    /// The md5 (`<hex>` or `<hex>.dir`).
    pub md5: Option<String>,
    /// Cloud `etag`.
    pub etag: Option<String>,
    /// HDFS `checksum`.
    pub checksum: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Number of files of a directory.
    pub nfiles: Option<u64>,
    /// Executable file.
    pub isexec: Option<bool>,
    /// Cloud version id.
    pub version_id: Option<String>,
    /// `cloud` (kept as is).
    pub cloud: Option<Value>,
    /// `files` of a directory (kept as is).
    pub files: Option<Value>,
    /// `fs_config` (kept as is).
    pub fs_config: Option<Value>,
    /// `repo` of a `dvc import` dependency (kept as is).
    pub repo: Option<Value>,
    /// `db` of a database dependency (kept as is).
    pub db: Option<Value>,
    /// Output annotation `desc`.
    pub desc: Option<String>,
    /// Output annotation `type`.
    pub type_: Option<String>,
    /// Output annotation `labels`.
    pub labels: Option<Vec<String>>,
    /// Output annotation `meta`.
    pub meta: Option<Value>,
    /// `cache` flag.
    pub cache: Option<bool>,
    /// `persist` flag.
    pub persist: Option<bool>,
    /// `remote` flag.
    pub remote: Option<String>,
    /// `push` flag.
    pub push: Option<bool>,
}

/// Where an entry is written: the key order differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryStyle {
    Lock,
    DvcFile,
}

impl Entry {
    /// A DVC 3 entry for `path` with the given hash.
    pub fn from_hash(path: impl Into<String>, h: &crate::hash::HashInfo) -> Self {
        Entry {
            path: path.into(),
            hash: Some("md5".into()),
            md5: Some(h.md5.clone()),
            size: Some(h.size),
            nfiles: h.nfiles,
            isexec: h.isexec.then_some(true),
            ..Entry::default()
        }
    }

    /// The hash algorithm the recorded `md5` was computed with.
    pub fn algorithm(&self) -> crate::hash::HashAlgorithm {
        if self.hash.is_none() && self.md5.is_some() {
            crate::hash::HashAlgorithm::Md5Dos2Unix
        } else {
            crate::hash::HashAlgorithm::Md5
        }
    }

    fn read(cx: &Cx<'_>, n: &Node, style: EntryStyle) -> Result<Entry> {
        let mut e = Entry::default();
        let mut has_path = false;
        for (k, kn, v) in cx.map(n)? {
            let c = cx.key(k);
            match k {
                "path" => {
                    e.path = c.str(v)?;
                    has_path = true;
                }
                "hash" => e.hash = Some(c.str(v)?),
                "md5" => e.md5 = c.checksum(v)?,
                "etag" => e.etag = c.checksum(v)?,
                "checksum" => e.checksum = c.checksum(v)?,
                "size" => e.size = Some(c.uint(v)?),
                "nfiles" => e.nfiles = Some(c.uint(v)?),
                "isexec" => e.isexec = Some(c.bool(v)?),
                "version_id" => e.version_id = Some(c.str(v)?),
                "cloud" => e.cloud = Some(c.value(v)),
                "files" => e.files = Some(c.value(v)),
                "fs_config" if style == EntryStyle::DvcFile => e.fs_config = Some(c.value(v)),
                "repo" if style == EntryStyle::DvcFile => e.repo = Some(c.value(v)),
                "db" if style == EntryStyle::DvcFile => e.db = Some(c.value(v)),
                "desc" if style == EntryStyle::DvcFile => e.desc = Some(c.str(v)?),
                "type" if style == EntryStyle::DvcFile => e.type_ = Some(c.str(v)?),
                "labels" if style == EntryStyle::DvcFile => e.labels = Some(c.str_list(v)?),
                "meta" if style == EntryStyle::DvcFile => e.meta = Some(c.value(v)),
                "cache" if style == EntryStyle::DvcFile => e.cache = Some(c.bool(v)?),
                "persist" if style == EntryStyle::DvcFile => e.persist = Some(c.bool(v)?),
                "remote" if style == EntryStyle::DvcFile => e.remote = Some(c.str(v)?),
                "push" if style == EntryStyle::DvcFile => e.push = Some(c.bool(v)?),
                _ => return Err(c.extra(kn)),
            }
        }
        if !has_path {
            return Err(cx.required(n, "path"));
        }
        Ok(e)
    }

    fn hash_and_meta(&self, m: &mut MapBuilder) {
        m.opt_str("md5", &self.md5);
        m.opt_str("etag", &self.etag);
        m.opt_str("checksum", &self.checksum);
        m.opt_u64("size", self.size);
        m.opt_u64("nfiles", self.nfiles);
        m.opt_bool("isexec", self.isexec);
        m.opt_str("version_id", &self.version_id);
        m.opt_value("cloud", &self.cloud);
    }

    fn to_value(&self, style: EntryStyle) -> Value {
        let mut m = MapBuilder::new();
        match style {
            EntryStyle::Lock => {
                m.put("path", s(&self.path));
                m.opt_str("hash", &self.hash);
                self.hash_and_meta(&mut m);
                m.opt_value("files", &self.files);
            }
            EntryStyle::DvcFile => {
                self.hash_and_meta(&mut m);
                m.opt_str("hash", &self.hash);
                m.put("path", s(&self.path));
                m.opt_value("fs_config", &self.fs_config);
                m.opt_value("repo", &self.repo);
                m.opt_value("db", &self.db);
                m.opt_str("desc", &self.desc);
                m.opt_str("type", &self.type_);
                m.opt_strs("labels", &self.labels);
                m.opt_value("meta", &self.meta);
                m.opt_bool("cache", self.cache);
                m.opt_bool("persist", self.persist);
                m.opt_str("remote", &self.remote);
                m.opt_bool("push", self.push);
                m.opt_value("files", &self.files);
            }
        }
        m.done()
    }
}

// ---------------------------------------------------------------------------------------------------------
// dvc.lock

/// A `dvc.lock` file (schema 2.0).
#[derive(Debug, Clone, PartialEq)]
pub struct DvcLock {
    /// Always `"2.0"`.
    pub schema: String,
    /// Lock entries in file order, by stage name (generated names such as `train@1` included).
    pub stages: IndexMap<String, LockStage>,
    /// `datasets` (kept as is).
    pub datasets: Option<Value>,
}

impl Default for DvcLock {
    fn default() -> Self {
        DvcLock {
            schema: "2.0".into(),
            stages: IndexMap::new(),
            datasets: None,
        }
    }
}

/// The lock entry of one stage.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LockStage {
    /// The resolved command.
    pub cmd: Cmd,
    /// Dependencies (DVC writes them sorted by path).
    pub deps: Vec<Entry>,
    /// Params values per file (`params.yaml` first, then A→Z; keys sorted).
    pub params: IndexMap<String, IndexMap<String, Value>>,
    /// Outputs, metrics and plots together (sorted by path).
    pub outs: Vec<Entry>,
}

impl DvcLock {
    /// Reads and validates a `dvc.lock`.
    pub fn read(path: &Path) -> Result<DvcLock> {
        Self::parse(&read_text(path)?, path)
    }

    /// Parses and validates `dvc.lock` text.
    pub fn parse(text: &str, path: &Path) -> Result<DvcLock> {
        let root = parse(text, path)?;
        let cx = Cx::new(path);
        let mut lock = DvcLock::default();
        let mut has_schema = false;
        for (k, kn, v) in cx.map(&root)? {
            let c = cx.key(k);
            match k {
                "schema" => {
                    let schema = c.str(v).map_err(|_| c.err(v, "invalid schema version"))?;
                    if schema != "2.0" {
                        return Err(c.err(v, "invalid schema version"));
                    }
                    lock.schema = schema;
                    has_schema = true;
                }
                "datasets" => lock.datasets = Some(c.value(v)),
                "stages" => {
                    for (name, _, sv) in c.map(v)? {
                        let sc = c.key(name);
                        lock.stages
                            .insert(name.to_string(), read_lock_stage(&sc, sv)?);
                    }
                }
                _ => return Err(c.extra(kn)),
            }
        }
        if !has_schema {
            return Err(cx.required(&root, "schema"));
        }
        Ok(lock)
    }

    /// The file as a generic value.
    pub fn to_value(&self) -> Value {
        let mut m = MapBuilder::new();
        m.put("schema", s(&self.schema));
        m.put("stages", named(&self.stages, LockStage::to_value));
        m.opt_value("datasets", &self.datasets);
        m.done()
    }

    /// Removes the entries of stages not in `keep` (DVC never prunes them). Returns the removed names.
    pub fn prune(&mut self, keep: impl Fn(&str) -> bool) -> Vec<String> {
        let removed: Vec<String> = self.stages.keys().filter(|k| !keep(k)).cloned().collect();
        self.stages.retain(|k, _| keep(k));
        removed
    }
}

fn read_lock_stage(cx: &Cx<'_>, n: &Node) -> Result<LockStage> {
    let mut st = LockStage::default();
    let cmd = read_cmd_stage(cx, n, |c, k, kn, v| {
        match k {
            "deps" | "outs" => {
                let mut es = Vec::new();
                for (i, it) in c.seq(v)?.iter().enumerate() {
                    es.push(Entry::read(&c.index(i), it, EntryStyle::Lock)?);
                }
                if k == "deps" {
                    st.deps = es;
                } else {
                    st.outs = es;
                }
            }
            "params" => {
                st.params =
                    c.string_map(v, |fc, fv| fc.string_map(fv, |_, kv| Ok(to_value_node(kv))))?;
            }
            _ => return Err(c.extra(kn)),
        }
        Ok(())
    })?;
    Ok(LockStage { cmd, ..st })
}

fn to_value_node(n: &Node) -> Value {
    crate::yaml::to_value(n)
}

impl LockStage {
    fn to_value(&self) -> Value {
        let mut m = MapBuilder::new();
        m.put("cmd", self.cmd.to_value());
        m.entries("deps", &self.deps, EntryStyle::Lock);
        if !self.params.is_empty() {
            m.put(
                "params",
                Value::Map(
                    self.params
                        .iter()
                        .map(|(f, kv)| {
                            (
                                s(f),
                                Value::Map(kv.iter().map(|(k, v)| (s(k), v.clone())).collect()),
                            )
                        })
                        .collect(),
                ),
            );
        }
        m.entries("outs", &self.outs, EntryStyle::Lock);
        m.done()
    }
}

// ---------------------------------------------------------------------------------------------------------
// .dvc files

/// A `.dvc` file (`SINGLE_STAGE_SCHEMA`), as `dvc add` and `dvc import` write it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DvcFile {
    /// Description.
    pub desc: Option<String>,
    /// Stage md5 (imports only).
    pub md5: Option<String>,
    /// Working directory.
    pub wdir: Option<String>,
    /// Frozen (imports).
    pub frozen: Option<bool>,
    /// Legacy `locked`.
    pub locked: Option<bool>,
    /// Dependencies (imports).
    pub deps: Vec<Entry>,
    /// Outputs.
    pub outs: Vec<Entry>,
    /// Always changed.
    pub always_changed: Option<bool>,
    /// Free metadata.
    pub meta: Option<Value>,
}

impl DvcFile {
    /// A `.dvc` file tracking one path (relative to the `.dvc` file's directory), as `dvc add` writes it.
    pub fn for_output(path: impl Into<String>, h: &crate::hash::HashInfo) -> Self {
        DvcFile {
            outs: vec![Entry::from_hash(path, h)],
            ..DvcFile::default()
        }
    }

    /// Reads and validates a `.dvc` file.
    pub fn read(path: &Path) -> Result<DvcFile> {
        Self::parse(&read_text(path)?, path)
    }

    /// Parses and validates `.dvc` text.
    pub fn parse(text: &str, path: &Path) -> Result<DvcFile> {
        let root = parse(text, path)?;
        let cx = Cx::new(path);
        let mut f = DvcFile::default();
        for (k, kn, v) in cx.map(&root)? {
            let c = cx.key(k);
            let entries = |c: &Cx<'_>| -> Result<Vec<Entry>> {
                if is_null(v) {
                    return Ok(Vec::new());
                }
                c.seq(v)?
                    .iter()
                    .enumerate()
                    .map(|(i, it)| Entry::read(&c.index(i), it, EntryStyle::DvcFile))
                    .collect()
            };
            match k {
                "outs" => f.outs = entries(&c)?,
                "deps" => f.deps = entries(&c)?,
                "md5" => f.md5 = c.checksum(v)?,
                "wdir" => f.wdir = c.opt_str(v)?,
                "frozen" => f.frozen = Some(c.bool(v)?),
                "locked" => f.locked = Some(c.bool(v)?),
                "always_changed" => f.always_changed = Some(c.bool(v)?),
                "meta" => f.meta = Some(c.value(v)),
                "desc" => f.desc = Some(c.str(v)?),
                _ => return Err(c.extra(kn)),
            }
        }
        Ok(f)
    }

    /// The file as a generic value, in DVC's order (desc, md5, wdir, frozen, deps, outs, always_changed,
    /// meta).
    pub fn to_value(&self) -> Value {
        let mut m = MapBuilder::new();
        m.opt_str("desc", &self.desc);
        m.opt_str("md5", &self.md5);
        m.opt_str("wdir", &self.wdir);
        m.opt_bool("frozen", self.frozen);
        m.opt_bool("locked", self.locked);
        m.entries("deps", &self.deps, EntryStyle::DvcFile);
        m.entries("outs", &self.outs, EntryStyle::DvcFile);
        m.opt_bool("always_changed", self.always_changed);
        m.opt_value("meta", &self.meta);
        m.done()
    }
}
