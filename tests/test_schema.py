"""JSON Schemas under schemas/: in step with the generator, valid, and in agreement with the models.

The differential tests run each JSON document of samples/ and tests/cases/ through both the
committed schema (with `jsonschema`) and the pydantic models (as `epcheck validate` builds
them), and compare the JSON pointers of missing-key, type and range errors.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import REPO, SAMPLES, run_cli
from jsonschema import Draft202012Validator, ValidationError

from mindie_epcheck.cli.schema_command import schema_command
from mindie_epcheck.model.build import StructuralError, build, missing_fields
from mindie_epcheck.model.compiled import RANKTABLE
from mindie_epcheck.model.context import SectionCheck
from mindie_epcheck.model.layout import PARALLEL_KEYS, ExtraStatus, read_extra
from mindie_epcheck.model.ranktable import RankDevice, RankServer, Ranktable
from mindie_epcheck.model.service import (
    REQUIRED,
    ZH,
    BackendConfig,
    DeepseekV2Options,
    HealthCheckConfig,
    LogConfig,
    ModelDeployConfig,
    ModelEntry,
    ScheduleConfig,
    ServerConfig,
    ServiceConfig,
)
from mindie_epcheck.model.view import EP_BLOCK_KEYS, build_views
from mindie_epcheck.pipeline import ranktable_sections, view_sections
from mindie_epcheck.schema.generate import DRAFT_2020_12, render_schema
from mindie_epcheck.schema.kinds import SCHEMA_FILES, SCHEMA_KINDS, SchemaKind
from mindie_epcheck.source.kinds import DocumentKind, detect_kind
from mindie_epcheck.source.nodes import join_pointer

SCHEMA_DIR = REPO / "schemas"
REGENERATE = (
    "epcheck schema --kind config -o schemas/mindie-config.schema.json && "
    "epcheck schema --kind ranktable -o schemas/mindie-ranktable.schema.json"
)
CORPORA = (SAMPLES, REPO / "tests" / "cases")
SCHEMA_KIND_OF: dict[DocumentKind, SchemaKind] = {
    DocumentKind.SERVICE_CONFIG: "config",
    DocumentKind.RANKTABLE: "ranktable",
}
MODELS_BY_SCHEMA = {
    "config": (
        ServiceConfig,
        ServerConfig,
        HealthCheckConfig,
        BackendConfig,
        ModelDeployConfig,
        ModelEntry,
        ScheduleConfig,
        LogConfig,
        DeepseekV2Options,
    ),
    "ranktable": (Ranktable, RankServer, RankDevice),
}


def committed(kind: SchemaKind) -> dict[str, Any]:
    path = SCHEMA_DIR / SCHEMA_FILES[kind]
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


@functools.cache
def validator(kind: SchemaKind) -> Draft202012Validator:
    return Draft202012Validator(committed(kind))


def object_schemas(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield the root and each `$defs` entry with its name (the model class name)."""
    yield schema["title"], schema
    yield from schema["$defs"].items()


def subschemas(node: Any) -> Iterator[dict[str, Any]]:
    """Yield every JSON object inside a schema, the schema itself included."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from subschemas(value)
    elif isinstance(node, list):
        for item in node:
            yield from subschemas(item)


# ---------------------------------------------------------------- committed files


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_committed_schema_matches_generator(kind: SchemaKind) -> None:
    path = SCHEMA_DIR / SCHEMA_FILES[kind]
    assert path.is_file(), f"{path} is missing; regenerate it with: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == render_schema(kind), (
        f"{path} differs from what the models generate; regenerate it with: {REGENERATE}"
    )


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_committed_schema_is_valid_draft_2020_12(kind: SchemaKind) -> None:
    schema = committed(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT_2020_12
    assert schema["$id"].startswith("urn:mindie-epcheck:schema:")
    assert schema["title"]
    assert schema["description"]


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_schema_has_no_null_or_default(kind: SchemaKind) -> None:
    for node in subschemas(committed(kind)):
        assert node.get("type") != "null", node
        assert "default" not in node, node


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_schema_has_no_required_marker(kind: SchemaKind) -> None:
    for node in subschemas(committed(kind)):
        assert REQUIRED not in node, node


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_every_description_has_chinese(kind: SchemaKind) -> None:
    for node in subschemas(committed(kind)):
        if "description" in node:
            assert node.get(ZH), node
            assert not re.search(r"[\u4e00-\u9fff]", node["description"]), node


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_objects_stay_open(kind: SchemaKind) -> None:
    for name, schema in object_schemas(committed(kind)):
        assert schema["additionalProperties"] is True, name


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_required_keys_follow_models(kind: SchemaKind) -> None:
    schema = committed(kind)
    definitions = dict(schema["$defs"], **{MODELS_BY_SCHEMA[kind][0].__name__: schema})
    for model in MODELS_BY_SCHEMA[kind]:
        expected = sorted(
            info.alias or name
            for name, info in model.model_fields.items()
            if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get(REQUIRED)
        )
        assert definitions[model.__name__].get("required", []) == expected, model.__name__


def test_model_entry_requires_mindie_keys() -> None:
    entry = committed("config")["$defs"]["ModelEntry"]
    assert entry["required"] == [
        "backendType",
        "cpuMemSize",
        "modelName",
        "modelWeightPath",
        "npuMemSize",
        "trustRemoteCode",
        "worldSize",
    ]


@pytest.mark.parametrize("key", PARALLEL_KEYS)
def test_parallel_extra_is_integer_from_one(key: str) -> None:
    extra = committed("config")["$defs"]["ModelEntry"]["properties"][key]
    assert extra["type"] == "integer"
    assert extra["minimum"] == 1
    assert extra["description"]


@pytest.mark.parametrize("key", EP_BLOCK_KEYS)
def test_ep_block_refers_to_options(key: str) -> None:
    schema = committed("config")
    models = schema["$defs"]["ModelEntry"]["properties"]["models"]
    assert models["properties"][key]["$ref"] == "#/$defs/DeepseekV2Options"
    assert "ep_level" in schema["$defs"]["DeepseekV2Options"]["properties"]


# ---------------------------------------------------------------- the schema command


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_schema_command_prints_schema(kind: SchemaKind) -> None:
    result = CliRunner().invoke(schema_command("en"), ["--kind", kind])
    assert result.exit_code == 0, result.output
    assert result.stdout == render_schema(kind)


def test_schema_command_defaults_to_config() -> None:
    result = CliRunner().invoke(schema_command("en"), [])
    assert result.exit_code == 0, result.output
    assert result.stdout == render_schema("config")


def test_schema_command_writes_file(tmp_path: Path) -> None:
    target = tmp_path / "ranktable.schema.json"
    target.write_text("old", encoding="utf-8")
    result = CliRunner().invoke(schema_command("en"), ["--kind", "ranktable", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == render_schema("ranktable")
    assert [path.name for path in tmp_path.iterdir()] == [target.name]


def test_schema_command_reports_unwritable_path(tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "config.schema.json"
    result = CliRunner().invoke(schema_command("en"), ["-o", str(target), "--lang", "zh"])
    assert result.exit_code == 2
    assert "写入" in result.stderr
    assert str(target) in result.stderr
    assert "Traceback" not in result.stderr


def test_schema_command_help_in_chinese() -> None:
    result = CliRunner().invoke(schema_command("zh"), ["--help"])
    assert result.exit_code == 0
    assert "输出 MindIE Service config.json" in result.stdout
    assert "--kind" in result.stdout


def test_schema_command_registered_in_cli() -> None:
    # Skipped until cli/main.py adds the command to the group.
    result = run_cli("schema", "--kind", "ranktable")
    if result.exit_code == 2 and "No such command" in result.stderr:
        pytest.skip("epcheck schema is not registered in cli/main.py yet")
    assert result.exit_code == 0
    assert result.stdout == render_schema("ranktable")


# ---------------------------------------------------------------- differential: schema vs models

# Where the schema and the models cannot agree, and why. Each exclusion removes one pointer
# from both sides of the comparison, never a whole document.
#
# 1. JSON Schema's data model treats 8.0 as the integer 8, so `"type": "integer"` accepts 8.0;
#    the models (StrictInt, as MindIE's C++ parser) reject it.
# 2. The models declare every field `X | None` so that a broken config still gives a partial
#    model; they accept null as if the key were absent. The schema rejects null, as MindIE does,
#    and so does `epcheck validate` through a separate check of the raw values (EP102).
# 3. `jsonschema` matches `pattern` with Python's `re.search`, where `$` also matches before a
#    final newline; ECMA-262 regexes (editors) and pydantic's Rust regexes do not. So
#    "deepseek\n" passes modelName's pattern under `jsonschema` only.
# 4. The parallel sizes (tp, dp, ...) are free-form extras that the models do not describe;
#    test_parallel_extras_agree_with_read_extra compares them with epcheck's reading instead.


def is_integral_float(value: Any) -> bool:
    return isinstance(value, float) and value.is_integer()


def excluded_model_error(error: StructuralError) -> bool:
    if error.category == "type" and "int" in error.expected and is_integral_float(error.value):
        return True
    value = error.value
    return error.category == "pattern" and isinstance(value, str) and value.endswith("\n")


def is_parallel_extra(path: list[str | int]) -> bool:
    return len(path) >= 3 and path[-3] == "ModelConfig" and path[-1] in PARALLEL_KEYS


def excluded_schema_error(error: ValidationError) -> bool:
    path = list(error.absolute_path)
    if is_parallel_extra(path):
        return True
    # A null object member: the models read it as an absent key (case 2).
    return error.instance is None and bool(path) and isinstance(path[-1], str)


def model_errors(kind: DocumentKind, value: Any) -> tuple[set[str], set[str]]:
    """Return the pointers the models reject, and the pointers excluded from the comparison."""
    structural: list[StructuralError] = []
    checks: list[SectionCheck] = []
    if kind == DocumentKind.SERVICE_CONFIG:
        for view in build_views(kind, value):
            structural.extend(view.errors)
            checks.extend(view_sections(view))
    else:
        structural.extend(build(RANKTABLE, value, "")[1])
        checks.extend(ranktable_sections(kind, value))
    missing = {
        check.ref.pointer
        for check in checks
        if check.required and any(missing_fields(check.ref.model, check.ref.raw, check.ref.pointer))
    }
    excluded = {error.pointer for error in structural if excluded_model_error(error)}
    rejected = {error.pointer for error in structural} | missing
    return rejected - excluded, excluded


def schema_errors(kind: DocumentKind, value: Any, excluded: set[str]) -> set[str]:
    found = set()
    for error in validator(SCHEMA_KIND_OF[kind]).iter_errors(value):
        pointer = join_pointer("", *error.absolute_path)
        if pointer not in excluded and not excluded_schema_error(error):
            found.add(pointer)
    return found


def compare(value: Any) -> tuple[set[str], set[str]] | None:
    """Return (model error pointers, schema error pointers), or None for other file kinds."""
    kind = detect_kind(value)
    if kind not in SCHEMA_KIND_OF:
        return None
    by_model, excluded = model_errors(kind, value)
    return by_model, schema_errors(kind, value, excluded)


def load_json(path: Path) -> tuple[bool, Any]:
    try:
        return True, json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        # Bad encodings, syntax errors, integers of over 4300 digits, or nesting deeper than
        # the recursion limit: the test skips these files.
        return False, None


def corpus_documents() -> list[Path]:
    """The JSON documents under samples/ and tests/cases/ that a schema describes."""
    found = []
    for corpus in CORPORA:
        for path in sorted(corpus.rglob("*")):
            if not path.is_file() or path.name.endswith(".expected.json"):
                continue
            parsed, value = load_json(path)
            if parsed and detect_kind(value) in SCHEMA_KIND_OF:
                found.append(path)
    return found


DOCUMENTS = corpus_documents()


def document_id(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("path", DOCUMENTS, ids=document_id)
def test_schema_agrees_with_models(path: Path) -> None:
    _, value = load_json(path)
    result = compare(value)
    assert result is not None
    by_model, by_schema = result
    detail = f"models reject {sorted(by_model)}, the schema rejects {sorted(by_schema)}"
    assert bool(by_schema) == bool(by_model), detail
    assert by_schema == by_model, detail


def test_corpus_covers_both_kinds_and_verdicts() -> None:
    """Guard the differential test against a corpus that exercises nothing."""
    verdicts: dict[tuple[DocumentKind, bool], int] = {}
    for path in DOCUMENTS:
        _, value = load_json(path)
        result = compare(value)
        assert result is not None
        key = (detect_kind(value), bool(result[0]))
        verdicts[key] = verdicts.get(key, 0) + 1
    assert verdicts.get((DocumentKind.SERVICE_CONFIG, False), 0) >= 50
    assert verdicts.get((DocumentKind.SERVICE_CONFIG, True), 0) >= 10
    assert verdicts.get((DocumentKind.RANKTABLE, False), 0) >= 10
    assert verdicts.get((DocumentKind.RANKTABLE, True), 0) >= 2


def model_config_entries(value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    backend = value.get("BackendConfig") if isinstance(value, dict) else None
    deploy = backend.get("ModelDeployConfig") if isinstance(backend, dict) else None
    entries = deploy.get("ModelConfig") if isinstance(deploy, dict) else None
    if not isinstance(entries, list):
        return
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            yield join_pointer("/BackendConfig/ModelDeployConfig/ModelConfig", index), entry


def extras_disagreements(value: Any) -> list[str]:
    """List the parallel sizes where the schema and `read_extra` disagree about validity."""
    rejected = {
        join_pointer("", *error.absolute_path)
        for error in validator("config").iter_errors(value)
        if is_parallel_extra(list(error.absolute_path))
    }
    found = []
    for pointer, entry in model_config_entries(value):
        for key in PARALLEL_KEYS:
            extra = read_extra(entry, key)
            if extra.status == ExtraStatus.ABSENT:
                continue
            # An integral float such as 8.0 passes the schema (exclusion 1 above).
            integral = extra.status in (ExtraStatus.INTEGER, ExtraStatus.INTEGRAL_FLOAT)
            valid = integral and extra.value is not None and extra.value >= 1
            extra_pointer = join_pointer(pointer, key)
            if valid == (extra_pointer in rejected):
                found.append(f"{extra_pointer}={extra.raw!r} ({extra.status.value})")
    return found


CONFIG_DOCUMENTS = [
    path for path in DOCUMENTS if detect_kind(load_json(path)[1]) == DocumentKind.SERVICE_CONFIG
]


@pytest.mark.parametrize("path", CONFIG_DOCUMENTS, ids=document_id)
def test_parallel_extras_agree_with_read_extra(path: Path) -> None:
    _, value = load_json(path)
    assert extras_disagreements(value) == []


# ---------------------------------------------------------------- differential: mutations

# Each value of a clean file is replaced by each of these in turn, then deleted.
MUTATIONS: tuple[Any, ...] = ("8", "", 8, 0, -1, 70000, 2.5, 8.0, True, None, [], {}, [[0, 1]])
DELETE = object()
MUTATION_BASES = (
    SAMPLES / "seed" / "ep-level-2-dual-node.config.json",
    SAMPLES / "seed" / "ranktable-2x8.json",
)


def value_paths(node: Any, tokens: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Yield the path of every value below `node`, parents before their children."""
    children: list[tuple[str | int, Any]] = []
    if isinstance(node, dict):
        children = list(node.items())
    elif isinstance(node, list):
        children = list(enumerate(node))
    for key, child in children:
        yield (*tokens, key)
        yield from value_paths(child, (*tokens, key))


def mutated(document: Any, path: tuple[str | int, ...], replacement: Any) -> Any:
    """Copy `document` with the value at `path` replaced, or removed for DELETE."""
    copied = copy.deepcopy(document)
    parent = copied
    for token in path[:-1]:
        parent = parent[token]
    if replacement is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copied


def mutation_disagreements(document: Any) -> tuple[int, list[str]]:
    """Compare both verdicts on every mutation, and return the count and the disagreements."""
    checked = 0
    found = []
    for path in value_paths(document):
        for replacement in (*MUTATIONS, DELETE):
            changed = mutated(document, path, replacement)
            result = compare(changed)
            if result is None:
                continue
            checked += 1
            label = "delete" if replacement is DELETE else repr(replacement)
            by_model, by_schema = result
            if by_model != by_schema:
                found.append(
                    f"{path} <- {label}: models {sorted(by_model)}, schema {sorted(by_schema)}"
                )
            if detect_kind(changed) == DocumentKind.SERVICE_CONFIG:
                found.extend(
                    f"{path} <- {label}: {extra}" for extra in extras_disagreements(changed)
                )
    return checked, found


@pytest.mark.parametrize("base", MUTATION_BASES, ids=document_id)
def test_schema_agrees_with_models_on_mutations(base: Path) -> None:
    document = json.loads(base.read_bytes())
    assert compare(document) == (set(), set())
    checked, disagreements = mutation_disagreements(document)
    assert checked >= 500
    assert disagreements == []


# ---------------------------------------------------------------- the excluded cases

ENTRY = {
    "modelName": "deepseekr1",
    "modelWeightPath": "/data/weights/DeepSeek-R1_w8a8",
    "worldSize": 8,
    "cpuMemSize": 5,
    "npuMemSize": -1,
    "backendType": "atb",
    "trustRemoteCode": False,
}


def config_with(**entry_values: Any) -> dict[str, Any]:
    entry = {**ENTRY, **entry_values}
    return {"BackendConfig": {"ModelDeployConfig": {"ModelConfig": [entry]}}}


WORLD_SIZE = "/BackendConfig/ModelDeployConfig/ModelConfig/0/worldSize"
MODEL_NAME = "/BackendConfig/ModelDeployConfig/ModelConfig/0/modelName"
EP_BLOCK = "/BackendConfig/ModelDeployConfig/ModelConfig/0/models/deepseekv2"


@pytest.mark.parametrize(
    ("document", "pointer", "models_reject", "schema_rejects"),
    [
        (config_with(worldSize=8.0), WORLD_SIZE, True, False),
        (config_with(worldSize=None), WORLD_SIZE, False, True),
        (config_with(modelName="deepseekr1\n"), MODEL_NAME, True, False),
    ],
    ids=["integral-float", "null-member", "pattern-final-newline"],
)
def test_excluded_cases_really_differ(
    document: dict[str, Any], pointer: str, models_reject: bool, schema_rejects: bool
) -> None:
    """Each exclusion covers a real difference; if one disappears, drop its exclusion."""
    kind = detect_kind(document)
    views = build_views(kind, document)
    model_pointers = {error.pointer for view in views for error in view.errors}
    raw_schema_pointers = {
        join_pointer("", *error.absolute_path)
        for error in validator("config").iter_errors(document)
    }
    assert (pointer in model_pointers) == models_reject
    assert (pointer in raw_schema_pointers) == schema_rejects
    assert compare(document) == (set(), set())
