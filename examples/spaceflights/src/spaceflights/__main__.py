"""Entry point for running the project with `python -m spaceflights`."""
from kedro.framework.cli.utils import find_run_command


def main():
    run = find_run_command("spaceflights")
    run()


if __name__ == "__main__":
    main()
