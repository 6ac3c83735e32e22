//! Validation of a Workflow before it is written or submitted: the vendored Argo JSON schema (with its
//! two patches: closed objects and IntOrString) and a semantic lint for what a schema cannot see.
//!
//! The schema is checked against its `Workflow` definition directly (not the root `oneOf` over every
//! Argo kind), so errors name the offending field: `/spec/templates/0/dag/tasks/2: Additional properties
//! are not allowed ('dependecies' was unexpected)`.
//!
//! The lint follows Argo's own validation: task, template and parameter names and their lengths, the
//! Workflow name, label values, the entrypoint and every task's template exist, every dependency is a
//! task of the same DAG, no cycles, every `{{tasks.T...}}` names an (indirect) dependency,
//! `{{workflow.parameters.P}}` and `{{inputs.parameters.P}}` name declared parameters.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde_json::Value;

use crate::error::{Error, Problem, Result};
use crate::names;
use crate::workflow::{Template, Workflow};

/// The vendored, patched Argo schema (`schemas/argo-workflow.schema.json`).
pub const ARGO_SCHEMA: &str = include_str!("../../../schemas/argo-workflow.schema.json");
/// The definition a Workflow is checked against.
pub const WORKFLOW_DEFINITION: &str = "io.argoproj.workflow.v1alpha1.Workflow";

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let mut schema: Value =
            serde_json::from_str(ARGO_SCHEMA).expect("the vendored Argo schema is valid JSON");
        let root = schema
            .as_object_mut()
            .expect("the vendored Argo schema is an object");
        root.remove("oneOf");
        root.remove("type");
        root.insert(
            "$ref".into(),
            Value::String(format!("#/definitions/{WORKFLOW_DEFINITION}")),
        );
        jsonschema::draft202012::new(&schema).expect("the vendored Argo schema compiles")
    })
}

/// Every schema violation of `doc` (empty when it is a valid Workflow), ordered by path.
pub fn schema_problems(doc: &Value) -> Vec<Problem> {
    let mut problems: Vec<Problem> = validator()
        .iter_errors(doc)
        .map(|e| Problem {
            path: e.instance_path().to_string(),
            message: e.to_string(),
        })
        .collect();
    problems.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    problems.dedup();
    problems
}

/// Validates a Workflow kdvc built: the schema, then the lint.
pub fn validate(workflow: &Workflow) -> Result<()> {
    let problems = schema_problems(&workflow.to_value());
    if !problems.is_empty() {
        return Err(Error::Schema { problems });
    }
    let problems = lint(workflow);
    if !problems.is_empty() {
        return Err(Error::Lint { problems });
    }
    Ok(())
}

/// Validates any JSON document as a kdvc Workflow: the schema, then kdvc's model (which holds only
/// what kdvc emits), then the lint. Returns the typed Workflow.
pub fn validate_json(doc: &Value) -> Result<Workflow> {
    let problems = schema_problems(doc);
    if !problems.is_empty() {
        return Err(Error::Schema { problems });
    }
    let workflow: Workflow = serde_json::from_value(doc.clone()).map_err(|e| Error::Schema {
        problems: vec![Problem {
            path: String::new(),
            message: format!("outside the subset kdvc emits: {e}"),
        }],
    })?;
    let problems = lint(&workflow);
    if !problems.is_empty() {
        return Err(Error::Lint { problems });
    }
    Ok(workflow)
}

/// `{{PREFIX...}}` expressions in `text`: the part after the prefix up to `}}`.
fn references<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let expr = after[..end].trim();
        if let Some(r) = expr.strip_prefix(prefix) {
            out.push(r);
        }
        rest = &after[end + 2..];
    }
    out
}

/// Semantic problems Argo would reject (or run wrongly) that the schema cannot express.
pub fn lint(wf: &Workflow) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut problem = |path: String, message: String| out.push(Problem { path, message });

    if let Some(name) = &wf.metadata.name
        && !names::is_workflow_name(name)
    {
        problem(
            "/metadata/name".into(),
            format!(
                "'{name}' is not a valid Workflow name (lower-case alphanumerics, '-' and '.', \
                 alphanumeric at both ends, at most {} characters)",
                names::WORKFLOW_NAME_MAX
            ),
        );
    }
    if let Some(prefix) = &wf.metadata.generate_name
        && !names::is_generate_name(prefix)
    {
        problem(
            "/metadata/generateName".into(),
            format!(
                "'{prefix}' is not a valid generateName (a Workflow name prefix ending in '-', at \
                 most {} characters)",
                names::GENERATE_NAME_MAX
            ),
        );
    }
    if wf.metadata.name.is_none() && wf.metadata.generate_name.is_none() {
        problem(
            "/metadata".into(),
            "neither name nor generateName is set".into(),
        );
    }
    if let Some(ns) = &wf.metadata.namespace
        && (!names::is_workflow_name(ns) || ns.contains('.'))
    {
        problem(
            "/metadata/namespace".into(),
            format!(
                "'{ns}' is not a valid namespace (an RFC 1123 label: lower-case alphanumerics and '-')"
            ),
        );
    }
    for (k, v) in &wf.metadata.labels {
        if !names::is_label_value(v) {
            problem(
                format!("/metadata/labels/{k}"),
                format!("'{v}' is not a valid label value"),
            );
        }
    }

    let workflow_params: BTreeSet<&str> = wf
        .spec
        .arguments
        .iter()
        .flat_map(|a| &a.parameters)
        .map(|p| p.name.as_str())
        .collect();
    for (i, p) in wf
        .spec
        .arguments
        .iter()
        .flat_map(|a| &a.parameters)
        .enumerate()
    {
        check_parameter_name(
            &mut problem,
            format!("/spec/arguments/parameters/{i}"),
            &p.name,
        );
    }

    // Templates: names, uniqueness.
    let mut templates: BTreeMap<&str, &Template> = BTreeMap::new();
    for (ti, t) in wf.spec.templates.iter().enumerate() {
        let path = format!("/spec/templates/{ti}");
        if !names::is_task_name(&t.name) {
            problem(
                format!("{path}/name"),
                format!(
                    "template name '{}' must match ^[a-zA-Z0-9][-a-zA-Z0-9]*$ and have at most {} characters",
                    t.name,
                    names::TASK_NAME_MAX
                ),
            );
        }
        if templates.insert(&t.name, t).is_some() {
            problem(
                format!("{path}/name"),
                format!("template name '{}' is not unique", t.name),
            );
        }
        if t.dag.is_some() == t.container.is_some() {
            problem(
                path.clone(),
                format!(
                    "template '{}' must have exactly one of dag and container",
                    t.name
                ),
            );
        }
        let inputs: BTreeSet<&str> = t
            .inputs
            .iter()
            .flat_map(|i| &i.parameters)
            .map(|p| p.name.as_str())
            .collect();
        for (pi, p) in t.inputs.iter().flat_map(|i| &i.parameters).enumerate() {
            check_parameter_name(
                &mut problem,
                format!("{path}/inputs/parameters/{pi}"),
                &p.name,
            );
        }
        for (pi, p) in t.outputs.iter().flat_map(|o| &o.parameters).enumerate() {
            check_parameter_name(
                &mut problem,
                format!("{path}/outputs/parameters/{pi}"),
                &p.name,
            );
        }
        if let Some(c) = &t.container {
            let texts = c
                .command
                .iter()
                .chain(&c.args)
                .chain(c.env.iter().filter_map(|e| e.value.as_ref()));
            for text in texts {
                for r in references(text, "inputs.parameters.") {
                    if !inputs.contains(r) {
                        problem(
                            format!("{path}/container"),
                            format!(
                                "'{{{{inputs.parameters.{r}}}}}' is not an input of template '{}'",
                                t.name
                            ),
                        );
                    }
                }
                for r in references(text, "workflow.parameters.") {
                    if !workflow_params.contains(r) {
                        problem(
                            format!("{path}/container"),
                            format!(
                                "'{{{{workflow.parameters.{r}}}}}' is not a Workflow parameter"
                            ),
                        );
                    }
                }
            }
        }
    }
    if !templates.contains_key(wf.spec.entrypoint.as_str()) {
        problem(
            "/spec/entrypoint".into(),
            format!(
                "entrypoint template '{}' is not defined",
                wf.spec.entrypoint
            ),
        );
    }

    // DAGs: task names, templates, dependencies, cycles, references.
    for (ti, t) in wf.spec.templates.iter().enumerate() {
        let Some(dag) = &t.dag else { continue };
        let base = format!("/spec/templates/{ti}/dag/tasks");
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, task) in dag.tasks.iter().enumerate() {
            if !names::is_task_name(&task.name) {
                problem(
                    format!("{base}/{i}/name"),
                    format!(
                        "task name '{}' must match ^[a-zA-Z0-9][-a-zA-Z0-9]*$ and have at most {} characters",
                        task.name,
                        names::TASK_NAME_MAX
                    ),
                );
            }
            if index.insert(&task.name, i).is_some() {
                problem(
                    format!("{base}/{i}/name"),
                    format!("task name '{}' is not unique", task.name),
                );
            }
        }
        let mut deps: Vec<Vec<usize>> = vec![Vec::new(); dag.tasks.len()];
        for (i, task) in dag.tasks.iter().enumerate() {
            match templates.get(task.template.as_str()) {
                None => problem(
                    format!("{base}/{i}/template"),
                    format!(
                        "task '{}' uses template '{}', which is not defined",
                        task.name, task.template
                    ),
                ),
                Some(target) => {
                    let declared: BTreeSet<&str> = target
                        .inputs
                        .iter()
                        .flat_map(|x| &x.parameters)
                        .map(|p| p.name.as_str())
                        .collect();
                    for p in task.arguments.iter().flat_map(|a| &a.parameters) {
                        if !declared.contains(p.name.as_str()) {
                            problem(
                                format!("{base}/{i}/arguments"),
                                format!(
                                    "task '{}' passes parameter '{}', which template '{}' does not declare",
                                    task.name, p.name, task.template
                                ),
                            );
                        }
                    }
                    for p in target.inputs.iter().flat_map(|x| &x.parameters) {
                        let given = task
                            .arguments
                            .iter()
                            .flat_map(|a| &a.parameters)
                            .any(|a| a.name == p.name);
                        if !given && p.default.is_none() && p.value.is_none() {
                            problem(
                                format!("{base}/{i}/arguments"),
                                format!(
                                    "task '{}' does not pass input parameter '{}' of template '{}'",
                                    task.name, p.name, task.template
                                ),
                            );
                        }
                    }
                }
            }
            for d in &task.dependencies {
                match index.get(d.as_str()) {
                    Some(&j) if j == i => problem(
                        format!("{base}/{i}/dependencies"),
                        format!("task '{}' depends on itself", task.name),
                    ),
                    Some(&j) => deps[i].push(j),
                    None => problem(
                        format!("{base}/{i}/dependencies"),
                        format!("task '{}': dependency '{d}' not defined", task.name),
                    ),
                }
            }
        }
        let ancestors = match ancestors(&deps) {
            Ok(a) => a,
            Err(blocked) => {
                let names: Vec<&str> = blocked
                    .iter()
                    .map(|&i| dag.tasks[i].name.as_str())
                    .collect();
                problem(
                    base.clone(),
                    format!(
                        "dependency cycle detected: these tasks can never start: {}",
                        names.join(", ")
                    ),
                );
                continue;
            }
        };
        for (i, task) in dag.tasks.iter().enumerate() {
            for p in task.arguments.iter().flat_map(|a| &a.parameters) {
                let Some(value) = &p.value else { continue };
                for r in references(value, "tasks.") {
                    let name = r.split('.').next().unwrap_or_default();
                    let ok = index.get(name).is_some_and(|&j| ancestors[i].contains(j));
                    if !ok {
                        problem(
                            format!("{base}/{i}/arguments"),
                            format!(
                                "task '{}' refers to '{{{{tasks.{r}}}}}', but '{name}' is not one of its (indirect) dependencies",
                                task.name
                            ),
                        );
                    }
                }
            }
        }
    }
    out
}

fn check_parameter_name(problem: &mut impl FnMut(String, String), path: String, name: &str) {
    if !names::is_parameter_name(name) {
        problem(
            format!("{path}/name"),
            format!("parameter name '{name}' must match ^[-a-zA-Z0-9_]+$"),
        );
    }
}

/// Every task's set of (indirect) dependencies, as bit sets; on a cycle, the tasks that can never start.
fn ancestors(deps: &[Vec<usize>]) -> std::result::Result<Vec<BitSet>, Vec<usize>> {
    let n = deps.len();
    let mut indegree: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            down[d].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop() {
        order.push(i);
        for &d in &down[i] {
            indegree[d] -= 1;
            if indegree[d] == 0 {
                ready.push(d);
            }
        }
    }
    if order.len() != n {
        return Err((0..n).filter(|&i| indegree[i] > 0).collect());
    }
    let mut anc: Vec<BitSet> = vec![BitSet::new(n); n];
    for &i in &order {
        let mut set = BitSet::new(n);
        for &d in &deps[i] {
            set.insert(d);
            set.union_with(&anc[d]);
        }
        anc[i] = set;
    }
    Ok(anc)
}

/// A fixed-size set of task indices.
#[derive(Debug, Clone)]
struct BitSet(Vec<u64>);

impl BitSet {
    fn new(n: usize) -> Self {
        BitSet(vec![0; n.div_ceil(64)])
    }
    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    fn union_with(&mut self, other: &BitSet) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
}
