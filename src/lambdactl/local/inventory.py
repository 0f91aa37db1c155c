"""What the sandbox holds, in every region: for ``lambdactl local status``.

Functions and log groups are regional and buckets have a region. Asking each of
the ~34 regions costs two clients per region (seconds); the server says which
regions its Lambda and Logs backends were used in (``REGIONS_PATH``, a signed
GET), and only those are listed.
"""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lambdactl.local.control import DEFAULT_REGION, SandboxInfo, client

Entry = dict[str, str]  # {"name": ..., "region": ...}; roles have no region


REGIONS_PATH = "/_lambdactl/regions"


def used_regions() -> bytes:
    """In the server: the regions moto's Lambda or Logs backends exist in, as JSON."""
    from moto.awslambda.models import lambda_backends
    from moto.logs.models import logs_backends

    found: set[str] = set()
    for backends in (lambda_backends, logs_backends):
        for account in list(backends.keys()):
            found.update(backends[account].keys())
    return json.dumps(sorted(found)).encode()


def signed_get(info: SandboxInfo, path: str, timeout: float = 10) -> Any:
    """GET one of the sandbox's own endpoints (PATH with its query), signed with its
    key; -> the JSON it answers."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=f"{info.endpoint}{path}")
    creds = Credentials(info.access_key_id, info.secret_access_key)
    SigV4Auth(creds, "lambda", DEFAULT_REGION).add_auth(request)
    signed = urllib.request.Request(request.url, headers=dict(request.headers.items()))
    with urllib.request.urlopen(signed, timeout=timeout) as response:
        return json.loads(response.read())


def regions(info: SandboxInfo) -> list[str]:
    """The regions to list: the default one, and every one the sandbox was used in."""
    return sorted({DEFAULT_REGION, *signed_get(info, REGIONS_PATH)})


def _regional(info: SandboxInfo, region: str) -> dict[str, list[Entry]]:
    lam, logs = client(info, "lambda", region), client(info, "logs", region)
    functions = [
        f["FunctionName"]
        for page in lam.get_paginator("list_functions").paginate()
        for f in page["Functions"]
    ]
    groups = [
        g["logGroupName"]
        for page in logs.get_paginator("describe_log_groups").paginate()
        for g in page["logGroups"]
    ]
    ddb = client(info, "dynamodb", region)
    tables = [t for page in ddb.get_paginator("list_tables").paginate() for t in page["TableNames"]]
    layers = [f"{v['LayerVersionArn'].split(':')[-2]}:{v['Version']}"
              for page in lam.get_paginator("list_layers").paginate() for layer in page["Layers"]
              for v in lam.list_layer_versions(LayerName=layer["LayerName"])["LayerVersions"]]
    # Queues too: `destroy` keeps one that holds messages, and says so; this shows it.
    queues = [u.rsplit("/", 1)[-1] for u in client(info, "sqs", region).list_queues().get("QueueUrls", [])]
    # And what polls them (or a table's stream) for a function: a mapping left behind keeps polling.
    mappings = [f"{mapping_source(m['EventSourceArn'])} -> {m['FunctionArn'].rsplit(':', 1)[-1]}"
                for page in lam.get_paginator("list_event_source_mappings").paginate()
                for m in page["EventSourceMappings"]]
    return {
        "functions": [{"name": n, "region": region} for n in functions],
        "queues": [{"name": n, "region": region} for n in queues],
        "mappings": [{"name": n, "region": region} for n in mappings],
        "log_groups": [{"name": n, "region": region} for n in groups],
        "tables": [{"name": n, "region": region} for n in tables],
        "layers": [{"name": n, "region": region} for n in layers],
    }


def mapping_source(arn: str) -> str:
    """"sqs:QUEUE" or "dynamodb:TABLE" of an event source's ARN."""
    parts = arn.split(":")
    service, resource = (parts[2], parts[5]) if len(parts) > 5 else ("?", arn)
    return f"{service}:{resource.split('/')[1] if service == 'dynamodb' and '/' in resource else resource}"


def _bucket(s3: Any, name: str) -> Entry:
    location = s3.get_bucket_location(Bucket=name).get("LocationConstraint")
    return {"name": name, "region": location or DEFAULT_REGION}  # None means us-east-1


def contents(info: SandboxInfo) -> dict[str, list[Entry]]:
    """Functions, buckets, roles, log groups, tables, layer versions, queues and event-source
    mappings of every region,
    sorted by region and name."""
    s3 = client(info, "s3", DEFAULT_REGION)
    names = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    with ThreadPoolExecutor(max_workers=8) as pool:
        per_region = list(pool.map(lambda r: _regional(info, r), regions(info)))
        buckets = list(pool.map(lambda n: _bucket(s3, n), names))
    iam = client(info, "iam", DEFAULT_REGION)
    roles = [
        {"name": r["RoleName"]}
        for page in iam.get_paginator("list_roles").paginate()
        for r in page["Roles"]
    ]
    found: dict[str, list[Entry]] = {"functions": [], "buckets": buckets, "roles": roles,
                                     "log_groups": [], "tables": [], "layers": [], "queues": [], "mappings": []}
    for part in per_region:
        for kind, entries in part.items():
            found[kind] += entries
    return {
        kind: sorted(entries, key=lambda e: (e.get("region", ""), e["name"]))
        for kind, entries in found.items()
    }


def label(entry: Entry) -> str:
    """``name (region)``; a role is its name."""
    return f"{entry['name']} ({entry['region']})" if "region" in entry else entry["name"]
