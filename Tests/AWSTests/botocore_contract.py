"""Holds request bodies to botocore's own service model: the shared part of transcribe_contract.py and
ses_contract.py (moto accepts what it does not check, so the model is the contract).

Checked: required members present, no member the model does not declare, JSON types, enums, string patterns,
string lengths, list lengths, number ranges. botocore's own ParamValidator runs too (it checks required, unknown
and types but, by design, neither enums nor patterns).
"""
import gzip
import json
import os
import re
import sys

import botocore
from botocore.model import ServiceModel
from botocore.validate import ParamValidator


def check(shapes, shape_name, value, path, problems):
    shape = shapes[shape_name]
    kind = shape["type"]
    if kind == "structure":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        members = shape.get("members", {})
        for name in shape.get("required", []):
            if name not in value:
                problems.append(f"{path}.{name}: required member missing")
        for name, item in value.items():
            if name not in members:
                problems.append(f"{path}.{name}: not a member of {shape_name}")
                continue
            check(shapes, members[name]["shape"], item, f"{path}.{name}", problems)
    elif kind == "list":
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list")
            return
        if "min" in shape and len(value) < shape["min"]:
            problems.append(f"{path}: {len(value)} items, fewer than {shape['min']}")
        if "max" in shape and len(value) > shape["max"]:
            problems.append(f"{path}: {len(value)} items, more than {shape['max']}")
        for index, item in enumerate(value):
            check(shapes, shape["member"]["shape"], item, f"{path}[{index}]", problems)
    elif kind == "map":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected an object (map)")
            return
        for key, item in value.items():
            check(shapes, shape["key"]["shape"], key, f"{path} key", problems)
            check(shapes, shape["value"]["shape"], item, f"{path}[{key}]", problems)
    elif kind == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: expected a string")
            return
        if "enum" in shape and value not in shape["enum"]:
            problems.append(f"{path}: {value!r} is not one of {shape_name}'s values")
        if "min" in shape and len(value) < shape["min"]:
            problems.append(f"{path}: shorter than {shape['min']}")
        if "max" in shape and len(value) > shape["max"]:
            problems.append(f"{path}: longer than {shape['max']}")
        # Whole-string match: stricter than an unanchored search, so a body that passes is valid either way.
        if "pattern" in shape and re.fullmatch(shape["pattern"], value) is None:
            problems.append(f"{path}: {value!r} does not match {shape['pattern']}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected a boolean")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: expected an integer")
            return
        if "min" in shape and value < shape["min"]:
            problems.append(f"{path}: {value} below {shape['min']}")
        if "max" in shape and value > shape["max"]:
            problems.append(f"{path}: {value} above {shape['max']}")
    elif kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{path}: expected a number")
    else:
        problems.append(f"{path}: shape type {kind} is not checked here")


def run(service, version, answer, body_checks=None):
    """Reads the cases (a JSON file named by argv[1]: [{"operation": ..., "body": {...}}, ...]) and writes one answer
    per case, in order, to stdout: `answer(operation, problems)`, where `operation` is the model's operation (None
    when the model has no such operation) and `problems` the list found (empty: the body is valid).
    `body_checks(model, input_shape, body, problems)` adds a service's own checks."""
    path = os.path.join(os.path.dirname(botocore.__file__), "data", service, version, "service-2.json.gz")
    with gzip.open(path) as handle:
        model = json.load(handle)
    service_model = ServiceModel(model, service)
    with open(sys.argv[1]) as handle:
        cases = json.load(handle)
    answers = []
    for case in cases:
        operation = model["operations"].get(case["operation"])
        if operation is None:
            answers.append(answer(None, [f"{case['operation']}: no such operation in the model"]))
            continue
        problems = []
        input_shape = operation["input"]["shape"]
        if body_checks:
            body_checks(model, input_shape, case["body"], problems)
        check(model["shapes"], input_shape, case["body"], input_shape, problems)
        report = ParamValidator().validate(case["body"], service_model.operation_model(case["operation"]).input_shape)
        if report.has_errors():
            problems.append("botocore ParamValidator: " + report.generate_report().replace("\n", "; "))
        answers.append(answer(operation, problems))
    json.dump(answers, sys.stdout)
