"""giextract: Chinese government information-disclosure annual reports → validated, traceable data.

    >>> import giextract
    >>> report = giextract.extract("report.txt")
    >>> report.applications["new_received"]["total"].value
"""
from giextract.core.model import Cell, Finding, Item, Report
from giextract.ingest.decode import InputError
from giextract.pipeline import extract, extract_text
from giextract.rules.validate import validate
from giextract.export import to_dataframe
from giextract.views.panel import to_panel

__version__ = "0.1.0"
__all__ = ["Cell", "Finding", "InputError", "Item", "Report", "extract", "extract_text", "to_dataframe", "to_panel", "validate", "__version__"]
