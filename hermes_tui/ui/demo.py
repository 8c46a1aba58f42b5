"""The demo workbench: a throwaway home, the built-in scripted model, tools in a sample folder."""

from __future__ import annotations

import sys
from pathlib import Path

from hermes_tui.core.agent.scripted import DemoModel
from hermes_tui.core.demo import DemoSetup, create_demo, record_runs
from hermes_tui.core.workspace import Workspace
from hermes_tui.ui.app import WorkbenchApp, make_app


def make_demo_app(setup: DemoSetup, workspace: Workspace, *, record: bool = True, delay: float = 0.03) -> WorkbenchApp:
    """The workbench on a demo home; with ``record`` the five seeded runs are recorded after the first frame."""

    def record_seeded_runs() -> None:
        with Workspace(setup.home) as own:  # its own connection and event stream
            record_runs(own, setup.workdir)

    return make_app(
        workspace,
        client=DemoModel(delay=delay),
        cwd=str(setup.workdir),
        sandbox=f"demo folder {setup.workdir.name}/",
        background=record_seeded_runs if record else None,
    )


def run_demo(*, keep: bool = False, root: Path | None = None) -> int:
    setup = create_demo(root, with_runs=False)
    try:
        with Workspace(setup.home) as workspace:
            workspace.log_to_file()
            app = make_demo_app(setup, workspace)
            app.run()
    finally:
        if keep:
            print(f"hermes-tui: the demo folder is kept at {setup.root}", file=sys.stderr)
        else:
            setup.remove()
    return app.return_code or 0
