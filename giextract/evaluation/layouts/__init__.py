"""A generator of report files in the layouts met in the wild, from the gold set (truth known)."""
from giextract.evaluation.layouts.render import LAYOUTS, Rendered, has_tables, render

__all__ = ["LAYOUTS", "Rendered", "has_tables", "render"]
