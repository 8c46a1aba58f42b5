"""The command approval modal: y once, s this session, a always (saved), n deny."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from hermes_tui.core.agent.events import ApprovalRequested


class ApprovalScreen(ModalScreen[str]):
    """Dismissed with the decision ("once", "session", "always", "deny")."""

    BINDINGS = [
        Binding("y", "decide('once')", "Yes, once", id="approval.once"),
        Binding("s", "decide('session')", "This session", id="approval.session"),
        Binding("a", "decide('always')", "Always", id="approval.always"),
        Binding("n,escape", "decide('deny')", "Deny", id="approval.deny"),
    ]

    def __init__(self, request: ApprovalRequested) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        r = self.request
        with Vertical(id="approval-box"):
            yield Label("The agent asks to run a command", id="approval-title")
            yield Static(r.command, markup=False, id="approval-command")
            if len(r.rules) > 1:  # one answer for every rule the command needs
                reasons = "\n".join(f"  - {reason} ({rule})" for rule, reason in r.rules)
                yield Static(f"Why it needs approval (one answer for all):\n{reasons}", markup=False, id="approval-reason")
                yield Static(f"Rules: {r.rule}   Tool: {r.tool}", markup=False, id="approval-rule")
            else:
                yield Static(f"Why it needs approval: {r.reason}", markup=False, id="approval-reason")
                yield Static(f"Rule: {r.rule}   Tool: {r.tool}", markup=False, id="approval-rule")
            yield Static(
                "[b]y[/b] once   [b]s[/b] this session   [b]a[/b] always (saved)   [b]n[/b] deny"
                "\n[dim]No answer before the timeout means deny.[/dim]",
                id="approval-keys",
            )

    def action_decide(self, decision: str) -> None:
        self.dismiss(decision)
