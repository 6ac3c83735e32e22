"""Dump Kedro 1.7.0's own view of a project's configuration as JSON (the oracle of kedro_oracle.rs).

Usage: python kedro_dump.py PROJECT ENV PARAMS QUERY_JSON
  ENV and PARAMS may be empty strings. QUERY_JSON is a file with {"names": [...], "types": [...]}:
  dataset names to resolve through Kedro's catalog, and type paths to import.
Prints one JSON line at the end; Kedro's logging is sent to stderr.
"""

import importlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "1")

project = Path(sys.argv[1]).resolve()
env = sys.argv[2] or None
params = sys.argv[3]
query = json.loads(Path(sys.argv[4]).read_text())

real_stdout = sys.stdout
sys.stdout = sys.stderr

from kedro.framework.cli.utils import _split_params  # noqa: E402
from kedro.framework.session import KedroSession  # noqa: E402
from kedro.framework.startup import bootstrap_project  # noqa: E402

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


bootstrap_project(project)
runtime_params = _split_params(None, None, params) if params else None
out = {}
with KedroSession.create(project_path=project, env=env, runtime_params=runtime_params) as session:
    ctx = session.load_context()
    loader = ctx.config_loader
    out["env"] = loader.env or loader.default_run_env
    out["catalog_config"] = loader["catalog"]
    try:
        out["parameters"] = loader["parameters"]
    except Exception as exc:  # noqa: BLE001
        out["parameters_error"] = repr(exc)
    out["params"] = ctx.params
    catalog = ctx.catalog
    out["patterns"] = catalog.config_resolver.list_patterns()
    resolved = {}
    for name in query["names"]:
        try:
            kedro_type = catalog.get_type(name)
        except Exception as exc:  # noqa: BLE001  (e.g. pyspark not installed)
            kedro_type = f"<error: {type(exc).__name__}>"
        entry = {"in_catalog": name in catalog, "get_type": kedro_type}
        if name in catalog:
            entry["config"] = relativize(catalog.config_resolver.resolve_pattern(name))
        resolved[name] = entry
    out["resolved"] = resolved
    out["types"] = {t: class_path(t) for t in query["types"]}

real_stdout.write(json.dumps(out, default=str) + "\n")
