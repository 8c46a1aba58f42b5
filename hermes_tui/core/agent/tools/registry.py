"""The default set of tools for a session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hermes_tui.core.agent.tools.base import ToolRegistry
from hermes_tui.core.agent.tools.memory import MemoryTool
from hermes_tui.core.agent.tools.patch import PatchTool
from hermes_tui.core.agent.tools.read_file import ReadFileTool
from hermes_tui.core.agent.tools.search_files import SearchFilesTool
from hermes_tui.core.agent.tools.session_search import SessionSearchTool
from hermes_tui.core.agent.tools.skill_manage import SkillManageTool
from hermes_tui.core.agent.tools.skill_view import SkillViewTool
from hermes_tui.core.agent.tools.skills_list import SkillsListTool
from hermes_tui.core.agent.tools.terminal import TerminalTool
from hermes_tui.core.agent.tools.write_file import WriteFileTool

if TYPE_CHECKING:
    from hermes_tui.core.config import Config


def build_default_registry(config: "Config") -> ToolRegistry:
    """Every built-in tool; results are cut past ``config.agent.tool_output_chars``."""
    tools = [
        TerminalTool(),
        ReadFileTool(),
        WriteFileTool(),
        PatchTool(),
        SearchFilesTool(),
        MemoryTool(),
        SessionSearchTool(),
        SkillsListTool(),
        SkillViewTool(),
        SkillManageTool(),
    ]
    return ToolRegistry(tools, output_limit=int(config.agent.tool_output_chars))
