"""The ``kedro kdvc`` command: runs ``kdvc`` with the same arguments in the current Kedro project.

Registered through Kedro's ``kedro.project_commands`` entry point, so it is offered inside a Kedro project
only, as ``kedro airflow`` or ``kedro docker`` are. Every argument after ``kedro kdvc`` goes to ``kdvc``
unchanged: ``kedro kdvc translate --dry-run`` is ``kdvc translate --dry-run``.
"""

from __future__ import annotations

import subprocess
import sys

import click

from kdvc import find_kdvc_bin


@click.group(name="kdvc")
def commands() -> None:
    """kdvc: Kedro pipelines as DVC pipelines."""


@commands.command(
    name="kdvc",
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    },
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def kdvc(args: tuple[str, ...]) -> None:
    """Run kdvc in this Kedro project (`kedro kdvc --help` lists its commands)."""
    try:
        binary = find_kdvc_bin()
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error
    sys.exit(subprocess.call([binary, *args]))
