"""Dump Kedro 1.7.0's own view of a project's configuration as JSON (the oracle of kedro_oracle.rs).

Usage: python kedro_dump.py PROJECT QUERY_JSON

QUERY_JSON is a file with
  {"runs": [{"env": "", "kedro_env": "", "params": "", "environ": {}, "names": [...]}, ...], "types": [...]}
Each run is one KedroSession (empty strings mean "not given"; `kedro_env` is set as the KEDRO_ENV
environment variable and `environ` as further environment variables, for that run only). `names` are dataset names to resolve through that run's catalog,
on top of every dataset name the project's registered pipelines use. `types` are type paths to import.

All runs share one Python process (Kedro is imported once). Prints one JSON line at the end:
  {"pipeline_datasets": [...], "pipelines_error": str|None, "types": {...},
   "runs": [{"env", "parameters", "params", "catalog_config", "patterns", "resolved"}
            | {"env", "parameters", "params", "catalog_error": str} | {"error": str}]}
Parameters are read before the catalog: a catalog Kedro cannot create (missing credentials, a runtime
parameter or environment variable not given) leaves them readable, as in Kedro itself.
Kedro's logging is sent to stderr.
"""

import importlib
import json
import os
import sys
import types
from pathlib import Path

os.environ["KEDRO_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.pop("KEDRO_ENV", None)

project = Path(sys.argv[1]).resolve()
query = json.loads(Path(sys.argv[2]).read_text())

real_stdout = sys.stdout
sys.stdout = sys.stderr

import kedro.pipeline  # noqa: E402
from kedro.framework.cli.utils import _split_params  # noqa: E402
from kedro.framework.session import KedroSession  # noqa: E402
from kedro.framework.startup import bootstrap_project  # noqa: E402

# Kedro 0.19 projects import `pipeline` from kedro.pipeline.modular_pipeline, which 1.x removed.
try:
    importlib.import_module("kedro.pipeline.modular_pipeline")
except ImportError:
    shim = types.ModuleType("kedro.pipeline.modular_pipeline")
    shim.pipeline = lambda pipe, **kw: kedro.pipeline.Pipeline(pipe, **kw)
    sys.modules["kedro.pipeline.modular_pipeline"] = shim

root = project.as_posix()


def relativize(value, key=None):
    """Project-relative paths and masked credentials, as kdvc reports them."""
    if key == "credentials":
        return "<credentials>"
    if isinstance(value, dict):
        return {k: relativize(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [relativize(v) for v in value]
    if key in ("filepath", "path", "filename") and isinstance(value, str):
        if value.startswith(root + "/"):
            return value[len(root) + 1 :]
    return value


def class_path(type_path):
    module, _, name = type_path.rpartition(".")
    try:
        obj = getattr(importlib.import_module(module), name)
    except Exception as exc:  # noqa: BLE001
        return f"<error: {type(exc).__name__}>"
    return f"{obj.__module__}.{obj.__qualname__}"


def error_text(exc):
    return f"{type(exc).__name__}: {exc}"


bootstrap_project(project)

# Every dataset name the registered pipelines use (parameters included).
pipeline_datasets = set()
pipelines_error = None
try:
    from kedro.framework.project import pipelines

    for _name, pipe in pipelines.items():
        pipeline_datasets |= set(pipe.datasets())
except Exception as exc:  # noqa: BLE001
    pipelines_error = error_text(exc)


def one_run(run):
    env = run["env"] or None
    runtime_params = _split_params(None, None, run["params"]) if run["params"] else None
    if run["kedro_env"]:
        os.environ["KEDRO_ENV"] = run["kedro_env"]
    try:
        session = KedroSession.create(
            project_path=project, env=env, runtime_params=runtime_params
        )
    finally:
        os.environ.pop("KEDRO_ENV", None)
    out = {}
    with session:
        ctx = session.load_context()
        loader = ctx.config_loader
        out["env"] = loader.env or loader.default_run_env
        out["parameters"] = loader["parameters"]
        out["params"] = ctx.params
        try:
            catalog_part(ctx, loader, run, out)
        except Exception as exc:  # noqa: BLE001  (the Rust side checks what kdvc makes of it)
            for key in ("catalog_config", "patterns", "resolved"):
                out.pop(key, None)
            out["catalog_error"] = error_text(exc)
    return out


def catalog_part(ctx, loader, run, out):
    """The catalog part of a run's view, into `out`."""
    out["catalog_config"] = loader["catalog"]
    catalog = ctx.catalog
    feed = ctx._get_parameters()
    out["patterns"] = catalog.config_resolver.list_patterns()
    resolved = {}
    for name in sorted(set(run["names"]) | pipeline_datasets):
        try:
            kedro_type = catalog.get_type(name)
        except Exception as exc:  # noqa: BLE001  (e.g. pyspark not installed)
            kedro_type = f"<error: {type(exc).__name__}>"
        entry = {
            "in_catalog": name in catalog,
            "get_type": kedro_type,
            "is_parameter": name in feed,
        }
        if name in feed:
            entry["value"] = feed[name]
        elif name in catalog:
            entry["config"] = relativize(catalog.config_resolver.resolve_pattern(name))
        resolved[name] = entry
    out["resolved"] = resolved


runs = []
for run in query["runs"]:
    environ = run.get("environ", {})
    os.environ.update(environ)
    try:
        runs.append(one_run(run))
    except Exception as exc:  # noqa: BLE001  (the Rust side checks that kdvc fails too)
        runs.append({"error": error_text(exc)})
    finally:
        for name in environ:
            os.environ.pop(name, None)

out = {
    "pipeline_datasets": sorted(pipeline_datasets),
    "pipelines_error": pipelines_error,
    "types": {t: class_path(t) for t in query["types"]},
    "runs": runs,
}
real_stdout.write(json.dumps(out, default=str) + "\n")
