"""Dump a Kedro project's pipelines as JSON (kdvc --introspect). Usage: python -c <this> PROJECT_DIR"""
import json
import sys


def _func_info(func):
    import functools
    import inspect

    kind = "plain"
    inner = func
    if isinstance(func, functools.partial):
        kind = "partial"
        inner = func.func
    name = getattr(inner, "__name__", None)
    if name == "<lambda>" and kind == "plain":
        kind = "lambda"
    info = {"kind": kind, "module": getattr(inner, "__module__", None), "name": name, "file": None, "line": None}
    try:
        info["file"] = inspect.getsourcefile(inner)
        info["line"] = inner.__code__.co_firstlineno
    except (TypeError, AttributeError):
        pass
    if kind == "partial":
        parts = [repr(a) for a in func.args] + ["%s=%r" % kv for kv in func.keywords.items()]
        info["args_source"] = ", ".join(parts)
    return info


def main():
    project = sys.argv[1]
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        import kedro
        from kedro.framework.project import pipelines
        from kedro.framework.startup import bootstrap_project
    except ImportError as exc:
        real_stdout.write(json.dumps({"error": "no-kedro", "detail": str(exc)}) + "\n")
        sys.exit(3)
    meta = bootstrap_project(project)
    out = {"kedro_version": kedro.__version__, "package_name": meta.package_name, "pipelines": {}}
    for name in list(pipelines.keys()):
        nodes = []
        for n in pipelines[name].nodes:
            nodes.append(
                {
                    "name": n.name,
                    "namespace": n.namespace,
                    "inputs": list(n.inputs),
                    "outputs": list(n.outputs),
                    "tags": sorted(n.tags),
                    "confirms": list(n.confirms),
                    "explicit_name": n._name,
                    "raw_inputs": n._inputs,
                    "raw_outputs": n._outputs,
                    "raw_confirms": n._confirms,
                    "func": _func_info(n.func),
                }
            )
        out["pipelines"][name] = nodes
    real_stdout.write(json.dumps(out) + "\n")


main()
