"""The status line: model, the session's tokens and cost, learning, pending approvals, sandbox."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


@dataclass(frozen=True)
class Status:
    model: str = ""
    tokens: int = 0
    cost: float | None = None
    learning: bool = False
    pending: int = 0
    sandbox: str = ""  # where commands run when sandboxed; empty: not sandboxed
    busy: bool = False


class StatusLine(Static):
    status: reactive[Status] = reactive(Status, layout=False)

    def render(self) -> Text:
        s = self.status
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" ● " if s.busy else " ○ ", style="bold yellow" if s.busy else "dim")
        text.append(s.model or "no model (/model)", style="bold" if s.model else "bold red")
        cost = "" if s.cost is None else f" ${s.cost:.4f}"
        text.append(f" │ {s.tokens:,} tok{cost}")
        text.append(" │ learning ")
        text.append("on" if s.learning else "off", style="green" if s.learning else "dim")
        text.append(" │ ")
        text.append(f"{s.pending} pending", style="bold #d787ff" if s.pending else "dim")
        text.append(" │ ")
        text.append(s.sandbox or "not sandboxed", style="green" if s.sandbox else "yellow")
        return text
