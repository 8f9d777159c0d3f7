"""The Python stack lectern-api replaces, doing the same work for the two benchmarked endpoints.

Flask + boto3 under gunicorn: verify the HS256 bearer token (PyJWT, remembered once verified exactly as lectern-api's
token cache does: see `principal`), read the lecture record from DynamoDB
(consistent read, as lectern-api does), check the caller's role and course, and answer the same JSON; the
part-URL batch also presigns one UploadPart URL per part number with boto3. Errors are RFC 9457 problems.

Environment: LECTERN_LECTURES_TABLE, LECTERN_BUCKET, LECTERN_JWT_SECRET, AWS_ENDPOINT_URL, AWS_REGION,
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; LECTERN_RECORD_CACHE_SECONDS (default 0: off) caches records per
worker process for that long, the same policy lectern-api's record cache follows, so a run can compare like with
like.
"""
import collections
import datetime
import os
import threading
import time

import boto3
import jwt
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config
from flask import Flask, jsonify, request

TABLE = os.environ["LECTERN_LECTURES_TABLE"]
BUCKET = os.environ["LECTERN_BUCKET"]
SECRET = os.environ["LECTERN_JWT_SECRET"]
CACHE_SECONDS = float(os.environ.get("LECTERN_RECORD_CACHE_SECONDS", "0"))
UPLOAD_URL_SECONDS = 900
PART_BATCH_LIMIT = 100

_endpoint = os.environ.get("AWS_ENDPOINT_URL")
_region = os.environ.get("AWS_REGION", "us-east-1")
# One pool per worker process, sized for its threads; boto3 clients are thread-safe.
_config = Config(max_pool_connections=32, retries={"mode": "standard", "max_attempts": 3}, signature_version="s3v4",
                 s3={"addressing_style": "path"})
dynamodb = boto3.client("dynamodb", endpoint_url=_endpoint, region_name=_region, config=_config)
s3 = boto3.client("s3", endpoint_url=_endpoint, region_name=_region, config=_config)
_deserializer = TypeDeserializer()

app = Flask(__name__)


def problem(status, title, detail):
    response = jsonify({"type": "about:blank", "title": title, "status": status, "detail": detail})
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


class Refused(Exception):
    def __init__(self, response):
        self.response = response


# Verified tokens, the same policy as lectern-api's `VerifiedTokenCache` so both sides do the same work: a token that
# passed every check is remembered by its exact text until its `exp` or 5 minutes, whichever comes first; `exp` is
# checked again on every hit; failures (bad signature, unknown role) are never stored; at most 4096 per worker
# process, oldest out first.
TOKEN_CACHE_SECONDS = 300
TOKEN_CACHE_SIZE = 4096
_tokens = collections.OrderedDict()
_tokens_lock = threading.Lock()


def principal():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Refused(problem(401, "Unauthorized", "send a bearer token"))
    token = header[7:]
    now = time.time()
    with _tokens_lock:
        hit = _tokens.get(token)
    if hit is not None:
        claims, expires, stored_until = hit
        if now >= expires:
            raise Refused(problem(401, "Unauthorized", "the token is not valid: Signature has expired"))
        if now < stored_until:
            return claims
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.PyJWTError as error:
        raise Refused(problem(401, "Unauthorized", f"the token is not valid: {error}"))
    if claims.get("role") not in ("professor", "student", "ops"):
        raise Refused(problem(403, "Forbidden", "unknown role"))
    expires = float(claims["exp"])
    with _tokens_lock:
        _tokens.pop(token, None)
        _tokens[token] = (claims, expires, min(expires, now + TOKEN_CACHE_SECONDS))
        while len(_tokens) > TOKEN_CACHE_SIZE:
            _tokens.popitem(last=False)
    return claims


_cache = {}
_cache_lock = threading.Lock()


def load(lecture_id):
    if not lecture_id.startswith("lec_") or len(lecture_id) > 64:
        raise Refused(problem(404, "Not Found", f"lecture {lecture_id} does not exist"))
    if CACHE_SECONDS > 0:
        with _cache_lock:
            hit = _cache.get(lecture_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
    item = dynamodb.get_item(TableName=TABLE, Key={"lectureId": {"S": lecture_id}}, ConsistentRead=True).get("Item")
    if item is None:
        raise Refused(problem(404, "Not Found", f"lecture {lecture_id} does not exist"))
    record = {key: _deserializer.deserialize(value) for key, value in item.items()}
    if CACHE_SECONDS > 0:
        with _cache_lock:
            _cache[lecture_id] = (time.monotonic() + CACHE_SECONDS, record)
    return record


def iso_seconds(text):
    """The stored ISO 8601 time (fractional seconds) as the API answers it: whole seconds, UTC."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m-%dT%H:%M:%SZ")


def view(record):
    body = {
        "id": record["lectureId"], "course": record["courseId"], "owner": record["ownerId"], "title": record["title"],
        "filename": record["filename"], "contentType": record["contentType"], "size": int(record["sizeBytes"]),
        "state": record["state"], "createdAt": iso_seconds(record["createdAt"]), "updatedAt": iso_seconds(record["updatedAt"]),
        # As lectern-api answers since lecture visibility (issue #19): records from before it count as published. The
        # benchmark's lecture is never scheduled, so "as in force now" needs no clock here.
        "visibility": record.get("visibility", "published"),
    }
    if record["state"] == "processing":
        body["progress"] = {"percent": float(record.get("progressPercent", 0)), "stage": record.get("progressStage")}
    if record["state"] == "failed" and "failureReason" in record:
        body["failureReason"] = record["failureReason"]
    if "durationSeconds" in record:
        body["durationSeconds"] = float(record["durationSeconds"])
    return body


def expires_at():
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=UPLOAD_URL_SECONDS)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@app.errorhandler(Refused)
def refused(error):
    return error.response


@app.get("/healthz")
def health():
    return jsonify({"status": "ok"})


@app.get("/v1/lectures/<lecture_id>")
def get_lecture(lecture_id):
    caller = principal()
    record = load(lecture_id)
    courses = caller.get("courses") or []
    if caller["role"] != "ops":
        if record["courseId"] not in courses:
            return problem(403, "Forbidden", f"you are not a member of course {record['courseId']}")
        if caller["role"] == "student" and record["state"] != "ready":
            return problem(404, "Not Found", f"lecture {lecture_id} does not exist")
    return jsonify(view(record))


@app.post("/v1/lectures/<lecture_id>/upload/parts")
def part_urls(lecture_id):
    caller = principal()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("partNumbers"), list) \
            or not all(isinstance(n, int) for n in body["partNumbers"]):
        return problem(400, "Bad Request", "field 'partNumbers' must be an array of integers")
    numbers = body["partNumbers"]
    record = load(lecture_id)
    if caller["role"] != "professor" or record["courseId"] not in (caller.get("courses") or []):
        return problem(403, "Forbidden", f"you are not a professor of course {record['courseId']}")
    if record["state"] != "awaiting_upload":
        return problem(409, "Conflict", f"lecture {lecture_id} is {record['state']}; its upload is over")
    upload_id, part_size = record.get("uploadId"), int(record.get("partSizeBytes", 0))
    if not upload_id or part_size <= 0:
        return problem(409, "Conflict", f"lecture {lecture_id} is a single-PUT upload; it has no parts")
    part_count = (int(record["sizeBytes"]) + part_size - 1) // part_size
    if not numbers or len(numbers) > PART_BATCH_LIMIT:
        return problem(400, "Bad Request", f"field 'partNumbers' must list 1…{PART_BATCH_LIMIT} part numbers")
    bad = next((n for n in numbers if not 1 <= n <= part_count), None)
    if bad is not None:
        return problem(422, "Unprocessable Content", f"part number {bad} is outside this upload's parts 1…{part_count}")
    parts = [{"partNumber": n, "url": s3.generate_presigned_url(
        "upload_part", Params={"Bucket": BUCKET, "Key": record["sourceKey"], "UploadId": upload_id, "PartNumber": n},
        ExpiresIn=UPLOAD_URL_SECONDS)} for n in sorted(set(numbers))]
    return jsonify({"parts": parts, "expiresAt": expires_at()})
