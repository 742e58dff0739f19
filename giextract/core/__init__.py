"""Core types of giextract: pydantic models and the text/offset map. Does no I/O and imports no provider."""
from giextract.core.model import (
    Cell, ErrorRecord, Finding, Item, Meta, Narrative, OtherMatters, ProcessingFee, Report, Section,
    SourceInfo, StatisticsRow,
)

__all__ = [
    "Cell", "ErrorRecord", "Finding", "Item", "Meta", "Narrative", "OtherMatters", "ProcessingFee",
    "Report", "Section", "SourceInfo", "StatisticsRow",
]
