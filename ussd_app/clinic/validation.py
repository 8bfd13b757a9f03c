"""JSON bodies of the API checked against the API's own OpenAPI document (ussd_app/clinic/openapi.py).

The document is the contract: a body is refused (400) exactly when it breaks the schema the
document publishes, so the two cannot drift apart. This reads the part of JSON Schema the
document uses: $ref, type, nullable, properties, required, enum, minimum, maximum, minLength,
maxLength, items, minItems, maxItems, pattern (written in the common part of Python's and ECMA's regex syntax) and format
"date".
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


class Invalid(ValueError):
    """The body breaks the document's schema; the message says where and how."""


def _is_integer(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_ok(value: Any, kind: str) -> bool:
    if kind == "integer":
        return _is_integer(value)
    if kind == "number":
        return _is_number(value)
    return isinstance(value, TYPES[kind])


def _matches(pattern: str, value: str) -> bool:
    """JSON Schema's pattern test: a search, where a final `$` is the very end (Python's `$` also
    matches before a final newline)."""
    found = re.search(pattern, value)
    return found is not None and (not pattern.endswith("$") or found.end() == len(value))


def _format_ok(value: str, fmt: str) -> bool:
    if fmt != "date":
        return True
    if not FULL_DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def validate(value: Any, schema: dict, components: dict, where: str = "body") -> Any:
    """`value` checked against `schema`; returned with whole-number floats made ints. Raises Invalid."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    if value is None:
        if schema.get("nullable"):
            return None
        raise Invalid(f"{where} must not be null")
    kind = schema.get("type")
    if kind is not None and not _type_ok(value, kind):
        raise Invalid(f"{where} must be of type {kind}")
    if kind == "integer":
        value = int(value)
    if "enum" in schema and value not in schema["enum"]:
        raise Invalid(f"{where} must be one of {', '.join(map(str, schema['enum']))}")
    if _is_number(value):
        if "minimum" in schema and value < schema["minimum"]:
            raise Invalid(f"{where} must be at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise Invalid(f"{where} must be at most {schema['maximum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            raise Invalid(f"{where} must have at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise Invalid(f"{where} must have at most {schema['maxLength']} characters")
        if "pattern" in schema and not _matches(schema["pattern"], value):
            raise Invalid(f"{where} must match {schema['pattern']}")
        if not _format_ok(value, schema.get("format", "")):
            raise Invalid(f"{where} must be a {schema['format']} (YYYY-MM-DD)")
    if isinstance(value, dict):
        missing = [name for name in schema.get("required", []) if name not in value]
        if missing:
            raise Invalid(f"{where} lacks {', '.join(missing)}")
        properties = schema.get("properties", {})
        value = {name: validate(item, properties[name], components, f"{where}.{name}")
                 if name in properties else item for name, item in value.items()}
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            raise Invalid(f"{where} must have at least {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise Invalid(f"{where} must have at most {schema['maxItems']} items")
        if "items" in schema:
            value = [validate(item, schema["items"], components, f"{where}[{i}]") for i, item in enumerate(value)]
    return value
