"""Evaluation against the hand-read gold set in eval/ (the data lives there; the scoring lives here)."""
from giextract.evaluation.run import evaluate, render
from giextract.evaluation.score import score_report

__all__ = ["evaluate", "render", "score_report"]
