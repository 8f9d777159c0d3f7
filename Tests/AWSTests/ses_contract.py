"""Checks request bodies against botocore's own service model for Amazon SES v2 (sesv2 2019-09-27).

Input (a JSON file): [{"operation": "SendEmail", "body": {...}}, ...]
Output (stdout): per case, in order, {"http": "<METHOD> <requestUri>" from the model, "problems": [...]}; no
problems means the body is valid.

The checks are botocore_contract.py's, plus one of REST-JSON: members the model binds to the URI or headers are not
in the body (SendEmail and CreateEmailIdentity have none, which is checked here too).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from botocore_contract import run  # noqa: E402


def no_bound_members(model, input_shape, body, problems):
    for name, member in model["shapes"][input_shape].get("members", {}).items():
        if member.get("location") and name in body:
            problems.append(f"{input_shape}.{name}: bound to {member['location']}, must not be in the body")


def answer(operation, problems):
    http = f"{operation['http']['method']} {operation['http']['requestUri']}" if operation else None
    return {"http": http, "problems": problems}


if __name__ == "__main__":
    run("sesv2", "2019-09-27", answer, no_bound_members)
