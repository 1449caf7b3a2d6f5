#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check JSON documents against one of leakjail's schemas (docs/*.schema.json).

  schema_check.py SCHEMA [FILE]   one JSON document per line (stdin without FILE)

The subset of JSON Schema the schemas use, checked without the jsonschema
module (it is not in Debian's base python3): type (a name or a list),
required, properties, items, const, enum, minimum, oneOf and $ref to
"#/$defs/NAME". A keyword the checker does not know fails loudly, so a
schema cannot silently go unchecked.
"""
import json
import sys

KNOWN = {"$schema", "$id", "$defs", "$ref", "title", "description", "type", "required",
         "properties", "items", "const", "enum", "minimum", "oneOf"}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def check(root, schema, value, path, errors):
    unknown = set(schema) - KNOWN
    if unknown:
        raise SystemExit(f"schema keyword(s) not supported here: {sorted(unknown)} at {path}")
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        check(root, root["$defs"][name], value, path, errors)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](value) for t in types):
            errors.append(f"{path}: {json.dumps(value)[:60]} is not {' or '.join(types)}")
            return
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if "minimum" in schema and isinstance(value, (int, float)) and value < schema["minimum"]:
        errors.append(f"{path}: {value} < {schema['minimum']}")
    if "oneOf" in schema:
        matched = []
        for i, sub in enumerate(schema["oneOf"]):
            e = []
            check(root, sub, value, path, e)
            if not e:
                matched.append(i)
        if len(matched) != 1:
            errors.append(f"{path}: matches {len(matched)} of the oneOf choices, not exactly one")
    if isinstance(value, dict):
        for k in schema.get("required", []):
            if k not in value:
                errors.append(f"{path}: missing member {k!r}")
        for k, sub in schema.get("properties", {}).items():
            if k in value:
                check(root, sub, value[k], f"{path}.{k}", errors)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(root, schema["items"], item, f"{path}[{i}]", errors)


def main():
    schema = json.load(open(sys.argv[1]))
    src = open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin
    n = 0
    for lineno, line in enumerate(src, 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as e:
            print(f"line {lineno}: not JSON: {e}", file=sys.stderr)
            return 1
        errors = []
        check(schema, schema, doc, "$", errors)
        if errors:
            for e in errors:
                print(f"line {lineno}: {e}", file=sys.stderr)
            return 1
        n += 1
    if n == 0:
        print("no document to check", file=sys.stderr)
        return 1
    print(f"{n} document(s) match {sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
