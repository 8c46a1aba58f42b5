"""`hermes-tui skills install | export`: skills from outside (through the gate) and out as a zip."""

from __future__ import annotations

import argparse
from pathlib import Path

from hermes_tui.cli.common import Workspace, plural, print_json
from hermes_tui.errors import HermesError


def add_hub_commands(skills_sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = skills_sub.add_parser(
        "install",
        parents=[parent],
        help="copy a skill from a folder, an archive, a URL or a git repository into the pending queue",
        description=(
            "Read one skill from SOURCE and queue it for approval (source \"hub\"). SOURCE is a folder, "
            "a .zip or .tar.gz file, an http(s) URL to one, or a git repository (an https URL, git+URL, "
            "ssh://, file://, user@host:path, or a local bare repository). Choose a skill inside it "
            "with SOURCE#PATH or --subdir PATH. Links, devices, paths leaving the folder and oversized "
            "sources are refused; nothing from the source is run."
        ),
    )
    p.add_argument("source", metavar="SOURCE")
    p.add_argument("--name", metavar="N", help="install under this name (rewrites the frontmatter name)")
    p.add_argument("--category", metavar="C", help="the category folder to install into, e.g. devops")
    p.add_argument("--subdir", metavar="PATH", help="the skill's folder inside SOURCE (like SOURCE#PATH)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=cmd_install)

    p = skills_sub.add_parser(
        "export",
        parents=[parent],
        help="write a skill folder (SKILL.md and its files) as a zip that `skills install` takes",
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--out", metavar="FILE.zip", required=True, help="the zip file to write")
    p.add_argument("--force", action="store_true", help="replace FILE.zip if it exists")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=cmd_export)

    p = skills_sub.add_parser(
        "install-bundled",
        parents=[parent],
        help="install the workbench's own skills (done on its own except in a Hermes Agent home)",
        description=(
            "Install or update the skills that come with the workbench (using-the-workbench, "
            "safe-shell-commands, ...). A new home gets them on its own; a home Hermes Agent "
            "already uses does not, since Hermes's agent would list them too. A skill you edited, "
            "removed or have under the same name is left alone."
        ),
    )
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=cmd_install_bundled)


def cmd_install(args: argparse.Namespace) -> int:
    from hermes_tui.core.skills.hub import install_skill

    with Workspace(args) as ws:
        installed = install_skill(
            args.source, ws.pending, ws.library, name=args.name, category=args.category, subdir=args.subdir
        )
    data = installed.to_dict()
    if args.json:
        print_json(data)
        return 0
    print(
        f"pending {data['pending_id']}: install {data['skill_id']} from {args.source} "
        f"({plural(len(data['files']), 'support file')})"
    )
    if data["skipped"]:
        print(f"left out: {', '.join(data['skipped'])}")
    print(f"review it with `hermes-tui pending show {data['pending_id']}`, then approve or reject it")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from hermes_tui.core.skills.hub import export_skill

    with Workspace(args) as ws:
        data = export_skill(ws.library, args.name, Path(args.out), force=args.force)
    if args.json:
        print_json(data)
        return 0
    print(f"exported {data['skill_id']} to {data['out']} ({plural(len(data['files']), 'file')}, {data['bytes']:,} bytes)")
    return 0


def cmd_install_bundled(args: argparse.Namespace) -> int:
    from hermes_tui.core.skills.bundled import install_bundled_skills

    with Workspace(args) as ws:
        if getattr(ws.store, "readonly", False):
            raise HermesError("the home is read-only: nothing installed")
        written = install_bundled_skills(ws.library, force=True)
    if args.json:
        print_json({"installed": written})
        return 0
    print(f"installed or updated {plural(len(written), 'bundled skill')}" + (f": {', '.join(written)}" if written else ""))
    return 0
