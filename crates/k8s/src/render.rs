//! Rendering a stage graph as an Argo Workflow: one DAG task per DVC stage.

use std::collections::BTreeMap;

use crate::config::{K8sConfig, ResourceConfig, SecretEnv, StageOverride};
use crate::error::{Error, Result};
use crate::graph::{Selection, StageGraph};
use crate::names;
use crate::workflow::{
    API_VERSION, Arguments, Backoff, Container, DagTask, DagTemplate, EmptyDir, EnvVar,
    EnvVarSource, Inputs, KIND, ObjectMeta, Outputs, Parameter, PodGc, Resources, RetryStrategy,
    SecretKeySelector, SecretVolume, Template, Toleration, TtlStrategy, ValueFrom, Volume,
    VolumeMount, Workflow, WorkflowSpec,
};

/// The DAG template's name (the entrypoint).
pub const DAG_TEMPLATE: &str = "pipeline";
/// The shared container template's name; templates for stages with overrides get `-<n>` suffixes.
pub const STAGE_TEMPLATE: &str = "kdvc-stage";
/// Where a pod writes its outputs (an `emptyDir`).
pub const OUT_DIR: &str = "/var/kdvc/out";
/// The file a pod writes its stage's `dvc.lock` fragment to (output parameter `lock`).
pub const LOCK_OUT: &str = "/var/kdvc/out/lock.json";
/// The file a pod writes its small `cache: false` outputs to (output parameter `uncached`).
pub const UNCACHED_OUT: &str = "/var/kdvc/out/uncached.json";
/// Where the `dvc_config_secret` is mounted.
pub const DVC_CONFIG_DIR: &str = "/var/kdvc/dvc-config";
/// Label every kdvc Workflow carries: `app.kubernetes.io/managed-by: kdvc`.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// Label and annotation with the project name.
pub const PROJECT_KEY: &str = "kdvc.io/project";

/// Workflows larger than this (bytes of JSON) get a warning.
pub const WORKFLOW_SIZE_WARNING: usize = 1_000_000;

/// What a render needs besides the configuration and the stage graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// The project name (for `generateName` and labels).
    pub project: String,
    /// The git URL pods clone.
    pub git_url: String,
    /// The revision pods check out (a commit SHA, or a ref name such as `HEAD`).
    pub git_rev: String,
    /// Which stages to run.
    pub selection: Selection,
}

/// The result of a render: a validated Workflow and warnings for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The Workflow (already validated against the schema and the lint).
    pub workflow: Workflow,
    /// Warnings (an image not pinned by digest).
    pub warnings: Vec<String>,
    /// The DVC stages it runs, in task order.
    pub stages: Vec<String>,
}

impl Rendered {
    /// The Workflow as pretty JSON.
    pub fn to_json(&self) -> String {
        self.workflow.to_json()
    }
}

fn env(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: Some(value.to_owned()),
        value_from: None,
    }
}

fn secret_env(s: &SecretEnv) -> EnvVar {
    EnvVar {
        name: s.name.clone(),
        value: None,
        value_from: Some(EnvVarSource {
            secret_key_ref: SecretKeySelector {
                name: s.secret.clone(),
                key: s.key.clone(),
                optional: None,
            },
        }),
    }
}

fn resources(base: &ResourceConfig, overrides: &[&ResourceConfig]) -> Option<Resources> {
    let mut r = Resources::default();
    for cfg in std::iter::once(base).chain(overrides.iter().copied()) {
        for (k, q) in &cfg.requests {
            r.requests.insert(k.clone(), q.0.clone());
        }
        for (k, q) in &cfg.limits {
            r.limits.insert(k.clone(), q.0.clone());
        }
    }
    (!r.is_empty()).then_some(r)
}

/// The container template of the stages matching `overrides` (none: the shared template).
fn stage_template(cfg: &K8sConfig, name: &str, overrides: &[&StageOverride]) -> Template {
    let mut vars = vec![
        env("DO_NOT_TRACK", "1"),
        env("KEDRO_DISABLE_TELEMETRY", "true"),
        env("DVC_NO_ANALYTICS", "1"),
    ];
    if cfg.kedro_env.is_some() {
        vars.push(env("KEDRO_ENV", "{{workflow.parameters.kedro-env}}"));
    }
    let mut literal: BTreeMap<&str, &str> = cfg
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut secrets: BTreeMap<&str, &SecretEnv> = cfg
        .secret_env
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    let mut node_selector = BTreeMap::new();
    let mut tolerations = Vec::new();
    for o in overrides {
        for (k, v) in &o.env {
            secrets.remove(k.as_str());
            literal.insert(k, v);
        }
        for s in &o.secret_env {
            literal.remove(s.name.as_str());
            secrets.insert(&s.name, s);
        }
        node_selector.extend(o.node_selector.iter().map(|(k, v)| (k.clone(), v.clone())));
        for t in &o.tolerations {
            let t = Toleration {
                key: t.key.clone(),
                operator: t.operator.clone(),
                value: t.value.clone(),
                effect: t.effect.clone(),
                toleration_seconds: t.toleration_seconds,
            };
            if !tolerations.contains(&t) {
                tolerations.push(t);
            }
        }
    }
    vars.extend(literal.into_iter().map(|(k, v)| env(k, v)));
    vars.extend(secrets.into_values().map(secret_env));
    let mut mounts = vec![VolumeMount {
        name: "kdvc-out".into(),
        mount_path: OUT_DIR.into(),
        read_only: None,
    }];
    if cfg.dvc_config_secret.is_some() {
        mounts.push(VolumeMount {
            name: "dvc-config".into(),
            mount_path: DVC_CONFIG_DIR.into(),
            read_only: Some(true),
        });
    }
    let mut args = vec![
        "--git-url={{workflow.parameters.git-url}}".to_owned(),
        "--rev={{workflow.parameters.git-rev}}".to_owned(),
        "--stage={{inputs.parameters.stage}}".to_owned(),
        "--upstream-locks={{inputs.parameters.upstream-locks}}".to_owned(),
        "--upstream-uncached={{inputs.parameters.upstream-uncached}}".to_owned(),
        format!("--lock-out={LOCK_OUT}"),
        format!("--uncached-out={UNCACHED_OUT}"),
    ];
    if cfg.dvc_config_secret.is_some() {
        args.push(format!("--dvc-config={DVC_CONFIG_DIR}/config.local"));
    }
    let override_resources: Vec<&ResourceConfig> = overrides.iter().map(|o| &o.resources).collect();
    Template {
        name: name.to_owned(),
        inputs: Some(Inputs {
            parameters: vec![
                Parameter::input("stage"),
                Parameter {
                    default: Some(String::new()),
                    ..Parameter::input("kedro-nodes")
                },
                Parameter {
                    default: Some("[]".into()),
                    ..Parameter::input("upstream-locks")
                },
                Parameter {
                    default: Some("[]".into()),
                    ..Parameter::input("upstream-uncached")
                },
            ],
        }),
        outputs: Some(Outputs {
            parameters: vec![
                Parameter {
                    value_from: Some(ValueFrom {
                        path: Some(LOCK_OUT.into()),
                        default: None,
                    }),
                    ..Parameter::input("lock")
                },
                Parameter {
                    value_from: Some(ValueFrom {
                        path: Some(UNCACHED_OUT.into()),
                        default: Some("{}".into()),
                    }),
                    ..Parameter::input("uncached")
                },
            ],
        }),
        node_selector,
        tolerations,
        retry_strategy: (cfg.retries > 0).then(|| RetryStrategy {
            limit: cfg.retries.to_string(),
            retry_policy: Some(cfg.retry_policy.as_str().to_owned()),
            backoff: Some(Backoff {
                duration: "30s".into(),
                factor: "2".into(),
            }),
        }),
        dag: None,
        container: Some(Container {
            image: cfg.image.clone(),
            command: vec!["kdvc".into(), "k8s".into(), "exec".into()],
            args,
            env: vars,
            resources: resources(&cfg.resources, &override_resources),
            volume_mounts: mounts,
        }),
    }
}

/// Renders the selected stages of `graph` as a Workflow and validates it (schema and lint). This is
/// the library's main entry point once a stage graph and a configuration are at hand; see
/// [`crate::render_project`] for the whole of `kdvc k8s render`.
pub fn render(graph: &StageGraph, cfg: &K8sConfig, opts: &RenderOptions) -> Result<Rendered> {
    let rendered = render_unvalidated(graph, cfg, opts)?;
    crate::validate::validate(&rendered.workflow)?;
    Ok(rendered)
}

/// [`render`] without the validation: the Workflow as built, for callers that validate it later (or
/// measure the two apart). Nothing built this way should be written or submitted unvalidated.
pub fn render_unvalidated(
    graph: &StageGraph,
    cfg: &K8sConfig,
    opts: &RenderOptions,
) -> Result<Rendered> {
    let selected = graph.select(&opts.selection)?;
    let upstream = graph.selected_upstream(&selected);
    if selected.is_empty() {
        return Err(Error::NothingToRun);
    }
    let warnings = cfg.warnings();

    // Task names, checked for collisions (a hash collision of two stage names).
    let mut task_of: BTreeMap<usize, String> = BTreeMap::new();
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for &i in &selected {
        let task = names::task_name(&graph.stages[i].name);
        if let Some(&j) = owner.get(&task) {
            return Err(Error::NameCollision {
                first: graph.stages[j].name.clone(),
                second: graph.stages[i].name.clone(),
                task,
            });
        }
        owner.insert(task.clone(), i);
        task_of.insert(i, task);
    }

    // Templates: the shared one, plus one per distinct set of matching overrides.
    let mut templates: BTreeMap<Vec<usize>, String> = BTreeMap::new();
    let mut container_templates = Vec::new();
    let mut tasks = Vec::with_capacity(selected.len());
    for &i in &selected {
        let stage = &graph.stages[i];
        let matched = cfg.overrides_for(&stage.name);
        let key: Vec<usize> = matched.iter().map(|(n, _)| *n).collect();
        let template = match templates.get(&key) {
            Some(t) => t.clone(),
            None => {
                let name = if key.is_empty() {
                    STAGE_TEMPLATE.to_owned()
                } else {
                    let ns: Vec<String> = key.iter().map(ToString::to_string).collect();
                    format!("{STAGE_TEMPLATE}-{}", ns.join("-"))
                };
                let overrides: Vec<&StageOverride> = matched.iter().map(|(_, o)| *o).collect();
                container_templates.push(stage_template(cfg, &name, &overrides));
                templates.insert(key, name.clone());
                name
            }
        };
        let deps: Vec<String> = upstream[&i].iter().map(|u| task_of[u].clone()).collect();
        let outputs = |param: &str| {
            let refs: Vec<String> = deps
                .iter()
                .map(|d| format!("{{{{tasks.{d}.outputs.parameters.{param}}}}}"))
                .collect();
            format!("[{}]", refs.join(","))
        };
        let mut parameters = vec![Parameter::value("stage", stage.name.clone())];
        if !stage.kedro_nodes.is_empty() {
            parameters.push(Parameter::value("kedro-nodes", stage.kedro_nodes.join(",")));
        }
        parameters.push(Parameter::value("upstream-locks", outputs("lock")));
        parameters.push(Parameter::value("upstream-uncached", outputs("uncached")));
        tasks.push(DagTask {
            name: task_of[&i].clone(),
            template,
            dependencies: deps,
            arguments: Some(Arguments { parameters }),
        });
    }
    // The shared template first, then the override templates in name order.
    container_templates.sort_by(|a, b| {
        (a.name != STAGE_TEMPLATE, &a.name).cmp(&(b.name != STAGE_TEMPLATE, &b.name))
    });

    let mut arguments = vec![
        Parameter::value("git-url", opts.git_url.clone()),
        Parameter::value("git-rev", opts.git_rev.clone()),
    ];
    if let Some(env) = &cfg.kedro_env {
        arguments.push(Parameter::value("kedro-env", env.clone()));
    }
    let mut volumes = vec![Volume {
        name: "kdvc-out".into(),
        empty_dir: Some(EmptyDir::default()),
        secret: None,
    }];
    if let Some(secret) = &cfg.dvc_config_secret {
        volumes.push(Volume {
            name: "dvc-config".into(),
            empty_dir: None,
            secret: Some(SecretVolume {
                secret_name: secret.clone(),
            }),
        });
    }
    let mut templates = vec![Template {
        name: DAG_TEMPLATE.to_owned(),
        dag: Some(DagTemplate { tasks }),
        ..Template::default()
    }];
    templates.extend(container_templates);
    let workflow = Workflow {
        api_version: API_VERSION.to_owned(),
        kind: KIND.to_owned(),
        metadata: ObjectMeta {
            name: None,
            generate_name: Some(names::generate_name(&opts.project)),
            namespace: cfg.namespace.clone(),
            labels: BTreeMap::from([
                (MANAGED_BY.to_owned(), "kdvc".to_owned()),
                (PROJECT_KEY.to_owned(), names::label_value(&opts.project)),
            ]),
            annotations: BTreeMap::from([(PROJECT_KEY.to_owned(), opts.project.clone())]),
        },
        spec: WorkflowSpec {
            entrypoint: DAG_TEMPLATE.to_owned(),
            arguments: Some(Arguments {
                parameters: arguments,
            }),
            service_account_name: cfg.service_account.clone(),
            parallelism: cfg.parallelism,
            active_deadline_seconds: Some(cfg.active_deadline.0),
            pod_gc: Some(PodGc {
                strategy: "OnPodSuccess".into(),
            }),
            ttl_strategy: Some(TtlStrategy {
                seconds_after_completion: cfg.ttl.0,
            }),
            volumes,
            templates,
        },
    };
    let mut warnings = warnings;
    let size = workflow.to_json().len();
    if size > WORKFLOW_SIZE_WARNING {
        warnings.push(format!(
            "the Workflow is {size} bytes: Kubernetes keeps objects under about 1.5 MB (etcd) and Argo's \
             status grows with every task; run fewer stages at once (--stage) or fuse stages"
        ));
    }
    Ok(Rendered {
        workflow,
        warnings,
        stages: selected
            .iter()
            .map(|&i| graph.stages[i].name.clone())
            .collect(),
    })
}
