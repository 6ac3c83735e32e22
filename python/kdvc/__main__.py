"""``python -m kdvc ARGS`` runs the ``kdvc`` binary installed with this package."""

from __future__ import annotations

import subprocess
import sys

from kdvc import find_kdvc_bin


def main() -> int:
    """Run ``kdvc`` with this process's arguments and return its exit status."""
    try:
        binary = find_kdvc_bin()
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return subprocess.call([binary, *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
