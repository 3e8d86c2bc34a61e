"""AL401 first-page-only: paginated calls whose continuation is never followed."""

from __future__ import annotations

from pathlib import Path

from harness import findings, lines

S3 = '''
import boto3

s3 = boto3.client("s3")


def keys(bucket):
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]]


def all_keys(bucket):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def first_key(bucket):
    return s3.list_objects_v2(Bucket=bucket, MaxKeys=1).get("Contents", [])


def loop_keys(bucket):
    token = None
    out = []
    while True:
        kwargs = {"Bucket": bucket}
        if token:
            kwargs["ContinuationToken"] = token
        page = s3.list_objects_v2(**kwargs)
        out += page.get("Contents", [])
        if not page.get("IsTruncated"):
            return out
        token = page["NextContinuationToken"]
'''


def test_an_unpaginated_s3_listing_is_reported_and_names_the_boundary() -> None:
    [finding] = findings(S3, "AL401")
    assert finding.line == 8
    assert "assumes s3.list_objects_v2 returns every item in one call" in finding.message
    assert "get_paginator('list_objects_v2')" in finding.message


def test_a_paginator_a_token_loop_and_a_single_key_probe_are_quiet() -> None:
    # Only keys() is reported: the paginator, MaxKeys=1 and the loop passing the token back
    # each follow (or deliberately skip) the continuation.
    assert lines(S3, "AL401") == [8]


def test_a_call_in_a_loop_of_a_caller_counts_as_following_the_pages() -> None:
    code = '''
import boto3

client = boto3.client("dynamodb")


def scan_page(table, start=None):
    kwargs = {"TableName": table}
    if start:
        kwargs["ExclusiveStartKey"] = start
    return client.scan(**kwargs)


def scan_all(table):
    items, start = [], None
    while True:
        page = scan_page(table, start)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items
'''
    assert lines(code, "AL401") == []


def test_an_operation_whose_paginator_does_not_really_page_is_quiet() -> None:
    code = '''
import boto3

dynamodb = boto3.client("dynamodb")


def tags(arn):
    return dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"]
'''
    assert lines(code, "AL401") == []


def test_a_rest_call_is_reported_only_where_the_code_shows_it_knows_the_api_pages(tmp_path: Path) -> None:
    once = '''
import requests


def orders(base):
    resp = requests.get(f"{base}/orders", timeout=10)
    data = resp.json()
    if data["has_more"]:
        print("more on the server")
    return data["results"]
'''
    plain = '''
import requests


def orders(base):
    return requests.get(f"{base}/orders", timeout=10).json()["results"]
'''
    assert lines(once, "AL401") == [6]
    assert lines(plain, "AL401") == []
