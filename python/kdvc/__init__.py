"""kdvc: Kedro pipelines as DVC pipelines, with code-aware invalidation.

The package ships the ``kdvc`` binary (installed on the environment's ``PATH``, beside ``python``) and the
``kedro kdvc`` plugin. :func:`find_kdvc_bin` tells where the binary is.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig

__all__ = ["find_kdvc_bin"]


def find_kdvc_bin() -> str:
    """Return the path of the ``kdvc`` binary installed with this package.

    Looks in the scripts directory of the environment this package is installed in, then in the user
    scheme's (``pip install --user``), then on ``PATH``.
    """
    exe = "kdvc" + (sysconfig.get_config_var("EXE") or "")
    candidates = [sysconfig.get_path("scripts")]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        candidates.append(sysconfig.get_path("scripts", scheme=user_scheme))
    for directory in candidates:
        path = os.path.join(directory, exe)
        if os.path.isfile(path):
            return path
    found = shutil.which(exe)
    if found:
        return found
    raise FileNotFoundError(
        f"the kdvc binary is not installed beside this Python ({sys.executable}); "
        "reinstall it with `pip install --force-reinstall kdvc`"
    )
