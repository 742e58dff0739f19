"""The output contract: `schema` prints the JSON Schema of a record, and the README's field reference is
the one generated from it."""
from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest

import giextract
from giextract.cli import main
from giextract.core.model import Cell, Report
from giextract.views.schema import README_BEGIN, README_END, field_reference, record_schema

ROOT = Path(__file__).resolve().parents[1]


def _resolve(schema: dict, node: dict) -> dict:
    ref = node.get("$ref")
    return schema["$defs"][ref.rsplit("/", 1)[-1]] if ref else node


def _conforms(schema: dict, node: dict, value: object, where: str) -> None:
    """A small validator for what pydantic emits (objects, arrays, anyOf, enums, scalars)."""
    node = _resolve(schema, node)
    if "anyOf" in node:
        errors = []
        for option in node["anyOf"]:
            try:
                _conforms(schema, option, value, where)
                return
            except AssertionError as exc:
                errors.append(str(exc))
        raise AssertionError(f"{where}: no option fits {value!r}: {errors}")
    if "enum" in node:
        assert value in node["enum"], (where, value)
    kind = node.get("type")
    if kind == "object":
        assert isinstance(value, dict), where
        props = node.get("properties", {})
        for key in node.get("required", []):
            assert key in value, f"{where}: {key} required"
        for key, item in value.items():
            if key in props:
                _conforms(schema, props[key], item, f"{where}.{key}")
            else:
                assert node.get("additionalProperties", True) is not False, f"{where}: unexpected {key}"
                extra = node.get("additionalProperties")
                if isinstance(extra, dict):
                    _conforms(schema, extra, item, f"{where}.{key}")
    elif kind == "array":
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            sub = node["prefixItems"][i] if "prefixItems" in node else node.get("items", {})
            _conforms(schema, sub, item, f"{where}[{i}]")
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), where
    elif kind == "number":
        assert isinstance(value, (int, float)) and not isinstance(value, bool), where
    elif kind == "string":
        assert isinstance(value, str), where
    elif kind == "boolean":
        assert isinstance(value, bool), where
    elif kind == "null":
        assert value is None, where


@pytest.mark.parametrize("name", ["009_pingtan-zone-2021.txt", "012_pingtan-zone-2016.txt", "001_huaian-city-2024.pdf"])
def test_real_records_conform_to_the_printed_schema(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    record = json.loads(giextract.extract(ROOT / "eval" / "sources" / name).model_dump_json())
    _conforms(schema, schema, record, "record")
    bad = dict(record, meta=dict(record["meta"], era="2030"))
    with pytest.raises(AssertionError):
        _conforms(schema, schema, bad, "record")


def test_schema_covers_the_model() -> None:
    schema = record_schema()
    assert set(schema["properties"]) == set(Report.model_fields)
    statuses = schema["$defs"]["Cell"]["properties"]["status"]["enum"]
    assert statuses == list(typing.get_args(Cell.model_fields["status"].annotation))


def test_readme_field_reference_is_the_generated_one(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(README_BEGIN) == 1 and readme.count(README_END) == 1
    block = readme.split(README_BEGIN)[1].split(README_END)[0].strip("\n") + "\n"
    assert main(["schema", "--markdown"]) == 0
    printed = capsys.readouterr().out
    assert block == printed == field_reference(), \
        "README field reference is stale: replace it with `python -m giextract schema --markdown`"
    for field in Report.model_fields:
        assert f"| `{field}` |" in block
