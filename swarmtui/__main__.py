"""The `swarmtui` command's entry point (and `python -m swarmtui`).

`swarmtui` alone, the way most starts happen, opens the app without click or the other commands'
modules; anything else goes to the click group in `swarmtui.cli`.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Console-script entry point."""
    if len(sys.argv) <= 1:
        from swarmtui.commands.app_cmds import open_without_arguments

        open_without_arguments()
        return
    from swarmtui.cli import main as run_command

    run_command()


if __name__ == "__main__":
    main()
