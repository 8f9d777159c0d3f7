#!/usr/bin/env python3
"""Times botocore doing the work Benchmarks/SigV4Benchmark times for our signer; prints JSON (µs per op).

usage: botocore_sigv4_bench.py ITERATIONS
- presign_client: S3 client.generate_presigned_url('get_object') — what a boto3 app calls.
- presign_auth:   S3SigV4QueryAuth.add_auth on a ready AWSRequest — the signing step alone.
- header_sign:    S3SigV4Auth.add_auth on a PUT with Content-Type and UNSIGNED-PAYLOAD.
"""
import json
import sys
import time

import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BUCKET = "lectern-media"
KEY = "lectures/2024/intro to swift/segment_00042.ts"
OBJECT_URL = "http://127.0.0.1:9000/lectern-media/lectures/2024/intro%20to%20swift/segment_00042.ts"


def per_op_us(fn, iterations):
    for _ in range(min(200, iterations)):
        fn()
    # CPU time of this thread, like the Swift side: the machine is shared with other work.
    start = time.thread_time()
    for _ in range(iterations):
        fn()
    return (time.thread_time() - start) / iterations * 1e6


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    client = botocore.session.get_session().create_client(
        "s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:9000",
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    credentials = Credentials(ACCESS_KEY, SECRET_KEY)
    query_auth = botocore.auth.S3SigV4QueryAuth(credentials, "s3", "us-east-1", expires=900)
    header_auth = botocore.auth.S3SigV4Auth(credentials, "s3", "us-east-1")
    unsigned = Config(s3={"payload_signing_enabled": False})

    def presign_client():
        client.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": KEY}, ExpiresIn=900)

    def presign_auth():
        query_auth.add_auth(AWSRequest(method="GET", url=OBJECT_URL, headers={}))

    def header_sign():
        request = AWSRequest(method="PUT", url=OBJECT_URL, headers={"Content-Type": "video/mp2t"})
        request.context["client_config"] = unsigned
        header_auth.add_auth(request)

    print(json.dumps({
        "iterations": iterations,
        "botocore_version": botocore.__version__,
        "presign_client_us": per_op_us(presign_client, iterations),
        "presign_auth_us": per_op_us(presign_auth, iterations),
        "header_sign_us": per_op_us(header_sign, iterations),
    }))


if __name__ == "__main__":
    main()
