"""The layering written in the README, checked: nothing imports upward."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "giextract"
# A module may import only from its own layer or lower ones.
LAYERS = [
    {"core"},
    {"templates"},
    {"ingest", "grids", "sections", "meta", "tables", "narrative", "prose_facts", "rules"},
    {"llm"},
    {"pipeline"},
    {"batch", "batch_inputs", "batch_index", "workers", "ray_engine", "export", "crossyear", "views"},
    {"evaluation", "bench"},
    {"cli", "__init__", "__main__"},
]


def _layer(name: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if name in layer)


def _top(module: str) -> str:
    return module.split(".")[1] if module.startswith("giextract.") else ""


def test_no_upward_imports() -> None:
    violations = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).parts
        own = rel[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                target = _top(name)
                lazy_llm_import = own == "pipeline" and target == "llm"  # imported inside a function, LLM modes only
                if target and _layer(target) > _layer(own) and not lazy_llm_import:
                    violations.append(f"{'/'.join(rel)} imports {name}")
    assert violations == []


def test_core_does_no_io_and_needs_no_provider() -> None:
    for path in (PACKAGE / "core").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for forbidden in ("open(", "import openai", "import instructor", "requests", "Path("):
            assert forbidden not in source, (path.name, forbidden)
