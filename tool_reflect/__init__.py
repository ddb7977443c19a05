"""tool-reflect: measure and train how well LLMs repair a failed tool call.

Data flows one way: record -> render prompt -> generate -> parse -> match -> metric or reward.
"""

from tool_reflect.errors import RecordError
from tool_reflect.matching import MATCHER_VERSION, CallMatch, match_calls
from tool_reflect.parsing import Issue, ParsedOutput, parse_output
from tool_reflect.records import PERTURBATIONS, GroundTruth, Message, RepairItem, ToolCall

__version__ = "0.1.0"

__all__ = [
    "MATCHER_VERSION", "PERTURBATIONS", "CallMatch", "GroundTruth", "Issue", "Message",
    "ParsedOutput", "RecordError", "RepairItem", "ToolCall", "__version__", "match_calls",
    "parse_output",
]
