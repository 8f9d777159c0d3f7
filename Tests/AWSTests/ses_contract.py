"""Checks request bodies against botocore's own service model for Amazon SES v2 (sesv2 2019-09-27).

Input (a JSON file): [{"operation": "SendEmail", "body": {...}}, ...]
Output (stdout): per case, in order, {"http": "<METHOD> <requestUri>" from the model, "problems": [...]}; no
problems means the body is valid.

The same checks as transcribe_contract.py (required, unknown members, types, enums, patterns, lengths), plus
botocore's ParamValidator. SES v2 is REST-JSON: members the model binds to the URI or headers are not in the body;
SendEmail and CreateEmailIdentity have none, which is checked here too.
"""
import gzip
import json
import os
import sys

import botocore
from botocore.model import ServiceModel
from botocore.validate import ParamValidator

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transcribe_contract import check  # noqa: E402

MODEL = os.path.join(os.path.dirname(botocore.__file__), "data", "sesv2", "2019-09-27", "service-2.json.gz")


def main():
    with gzip.open(MODEL) as handle:
        model = json.load(handle)
    service = ServiceModel(model, "sesv2")
    with open(sys.argv[1]) as handle:
        cases = json.load(handle)
    answers = []
    for case in cases:
        problems = []
        operation = model["operations"].get(case["operation"])
        if operation is None:
            answers.append({"http": None, "problems": [f"{case['operation']}: no such operation in the model"]})
            continue
        input_shape = operation["input"]["shape"]
        for name, member in model["shapes"][input_shape].get("members", {}).items():
            if member.get("location") and name in case["body"]:
                problems.append(f"{input_shape}.{name}: bound to {member['location']}, must not be in the body")
        check(model["shapes"], input_shape, case["body"], input_shape, problems)
        report = ParamValidator().validate(case["body"], service.operation_model(case["operation"]).input_shape)
        if report.has_errors():
            problems.append("botocore ParamValidator: " + report.generate_report().replace("\n", "; "))
        answers.append({"http": f"{operation['http']['method']} {operation['http']['requestUri']}", "problems": problems})
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
