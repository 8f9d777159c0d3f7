"""Checks request bodies against botocore's own service model for Amazon Transcribe (2017-10-26).

Input (a JSON file): [{"operation": "StartTranscriptionJob", "body": {...}}, ...]
Output (stdout): one list of problems per case, in order; an empty list means the body is valid.
The checks are botocore_contract.py's.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from botocore_contract import run  # noqa: E402

if __name__ == "__main__":
    run("transcribe", "2017-10-26", lambda operation, problems: problems)
