#!/usr/bin/env python3
"""Prints botocore's presigned URLs and POST forms for the cases in the JSON file argv[1], as JSON.

Run by BotocoreCrossCheckTests. botocore's clock is frozen at the case's timestamp by replacing the
`get_current_datetime` that botocore.auth and botocore.signers imported.
"""
import datetime
import json
import sys

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
import botocore.session
import botocore.signers
from botocore.config import Config


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    frozen = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=spec["timestamp"])
    botocore.auth.get_current_datetime = lambda *a, **k: frozen
    botocore.signers.get_current_datetime = lambda *a, **k: frozen

    session = botocore.session.get_session()
    clients = {}

    def client(creds, endpoint):
        cache_key = (creds["name"], endpoint["name"])
        if cache_key not in clients:
            clients[cache_key] = session.create_client(
                "s3",
                region_name=spec["region"],
                endpoint_url=endpoint["endpoint_url"],
                aws_access_key_id=creds["access_key"],
                aws_secret_access_key=creds["secret_key"],
                aws_session_token=creds.get("token"),
                config=Config(signature_version="s3v4", s3={"addressing_style": endpoint["addressing_style"]}),
            )
        return clients[cache_key]

    results = []
    for case in spec["cases"]:
        if case["op"] == "headers":
            results.append(sign_headers(spec, case))
            continue
        c = client(case["credentials"], case["endpoint"])
        params = {"Bucket": spec["bucket"], "Key": case["key"]}
        if case["op"] == "post":
            answer = c.generate_presigned_post(
                Bucket=spec["bucket"], Key=case["key"], Fields=case.get("fields") or None,
                Conditions=case.get("conditions") or None, ExpiresIn=case["expires"])
            results.append({"url": answer["url"], "fields": [[k, v] for k, v in answer["fields"].items()]})
            continue
        operation = {"get": "get_object", "put": "put_object", "upload_part": "upload_part"}[case["op"]]
        if case.get("content_type"):
            params["ContentType"] = case["content_type"]
        if case["op"] == "upload_part":
            params["PartNumber"] = case["part_number"]
            params["UploadId"] = case["upload_id"]
        url = c.generate_presigned_url(operation, Params=params, ExpiresIn=case["expires"])
        results.append({"url": url})
    json.dump(results, sys.stdout, ensure_ascii=True)


def sign_headers(spec, case):
    """Header signing through botocore's own auth classes (what every boto3 client call does)."""
    creds = case["credentials"]
    body = case.get("body")
    request = AWSRequest(method=case["method"], url=case["url"], headers=dict(case.get("headers") or []),
                         data=body.encode("utf-8") if body is not None else None)
    if case.get("unsigned"):
        # How an S3 client configured with payload_signing_enabled=False ends up at UNSIGNED-PAYLOAD.
        request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    auth_class = botocore.auth.S3SigV4Auth if case["service"] == "s3" else botocore.auth.SigV4Auth
    auth_class(Credentials(creds["access_key"], creds["secret_key"], creds.get("token")),
               case["service"], spec["region"]).add_auth(request)
    return {"headers": [[k, v] for k, v in request.headers.items()]}


if __name__ == "__main__":
    main()
