"""A Dagster config schema as JSON and back, to validate a block whose package is not installed.

`K8sRunLauncher` lives in dagster-k8s, whose Kubernetes client is too heavy to install for one
validation test. Its config schema is kept in deploy/schemas/k8s_run_launcher.json, written by
`python -m tests.support.dagster_config` where dagster-k8s (same version as dagster) is
installed, and rebuilt here from public Dagster config types so that Dagster's own config
validation (`dg.validate_run_config`) checks a `run_launcher` block against it. The test that
uses it compares the file with the installed package whenever dagster-k8s is present.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import dagster as dg

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "deploy" / "schemas"
K8S_SCHEMA = SCHEMA_DIR / "k8s_run_launcher.json"
_SCALARS = {"String": "string", "Bool": "bool", "Int": "int", "Float": "float", "Any": "any"}
_SOURCES = {"string": dg.StringSource, "bool": dg.BoolSource, "int": dg.IntSource}
_PLAIN = {"string": str, "bool": bool, "int": int, "float": float, "any": dg.Any}


def to_json(config_type) -> dict:
    """A Dagster config type (as a class's `config_type()` returns it) as plain JSON."""
    if isinstance(config_type, dict):
        return {"kind": "shape", "fields": {k: _field(f) for k, f in sorted(config_type.items())}}
    kind = config_type.kind.name
    if kind == "SCALAR":
        return {"kind": _SCALARS[config_type.given_name]}
    if kind == "ANY":
        return {"kind": "any"}
    if kind == "SCALAR_UNION":  # StringSource / BoolSource / IntSource: a value or {env: NAME}
        return {"kind": "source", "of": _SCALARS[config_type.scalar_type.given_name]}
    if kind in ("NONEABLE", "ARRAY"):
        return {"kind": kind.lower(), "of": to_json(config_type.inner_type)}
    if kind == "MAP":
        return {"kind": "map", "key": to_json(config_type.key_type), "of": to_json(config_type.inner_type)}
    if kind == "ENUM":
        values = [v.config_value for v in config_type.enum_values]
        return {"kind": "enum", "name": config_type.given_name, "values": values}
    shapes = {"STRICT_SHAPE": "shape", "PERMISSIVE_SHAPE": "permissive", "SELECTOR": "selector"}
    if kind in shapes:
        return {"kind": shapes[kind], "fields": {k: _field(f) for k, f in sorted(config_type.fields.items())}}
    raise ValueError(f"config kind {kind} is not handled")


def _field(field) -> dict:
    return {"required": bool(field.is_required), "type": to_json(field.config_type)}


def from_json(data: dict):
    """The Dagster config type described by `to_json`'s output, built from public types."""
    kind = data["kind"]
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind == "source":
        return _SOURCES.get(data["of"], _PLAIN[data["of"]])
    if kind == "noneable":
        return dg.Noneable(from_json(data["of"]))
    if kind == "array":
        return dg.Array(from_json(data["of"]))
    if kind == "map":
        return dg.Map(from_json(data["key"]), from_json(data["of"]))
    if kind == "enum":
        return dg.Enum(data["name"], [dg.EnumValue(v) for v in data["values"]])
    fields = {k: dg.Field(from_json(f["type"]), is_required=f["required"]) for k, f in data["fields"].items()}
    return {"shape": dg.Shape, "permissive": dg.Permissive, "selector": dg.Selector}[kind](fields)


def validate_block(schema: dict, block: dict) -> list[str]:
    """Dagster's own validation of `block` against `schema`: the errors, empty when valid."""

    @dg.op(config_schema=from_json(schema), name="run_launcher_config")
    def holder():
        return None

    @dg.job(name="validate_run_launcher_config")
    def job():
        holder()

    try:
        dg.validate_run_config(job, {"ops": {"run_launcher_config": {"config": block}}})
    except dg.DagsterInvalidConfigError as exc:
        return [e.message for e in exc.errors]
    return []


def installed_k8s_schema() -> dict | None:
    """The installed dagster-k8s run launcher's schema, or None when dagster-k8s is absent."""
    try:
        from dagster_k8s import K8sRunLauncher
    except ImportError:
        return None
    return to_json(K8sRunLauncher.config_type())


if __name__ == "__main__":
    schema = installed_k8s_schema()
    if schema is None:
        sys.exit("dagster-k8s is not installed: pip install -c constraints.txt '.[k8s]' first")
    import dagster_k8s

    K8S_SCHEMA.parent.mkdir(parents=True, exist_ok=True)
    K8S_SCHEMA.write_text(json.dumps({"package": f"dagster-k8s {dagster_k8s.__version__}",
                                      "class": "dagster_k8s.K8sRunLauncher", "schema": schema},
                                     indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {K8S_SCHEMA}")
