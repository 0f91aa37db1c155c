"""Draw the tracked bucket's size history (the DynamoDB table TABLE_NAME) as a PNG
chart with matplotlib, and put it into CHART_BUCKET as <tracked bucket>.png."""

import io
import os
from datetime import UTC, datetime

os.environ.setdefault("MPLCONFIGDIR", "/tmp/matplotlib")  # Lambda's only writable place

import boto3
from boto3.dynamodb.conditions import Key

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def history(bucket):
    """[(time, total bytes, object count)] of BUCKET, oldest first."""
    items, kwargs = [], {"KeyConditionExpression": Key("bucket").eq(bucket)}
    while True:
        page = table.query(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return [(datetime.fromtimestamp(int(i["at"]) / 1000, UTC), int(i["total_size"]),
             int(i["object_count"])) for i in items]


def pyplot():
    """matplotlib, imported at the first invocation rather than at init: with numpy,
    pillow and its font cache it can outlast Lambda's 10 s init phase on a busy
    machine, while an invocation has the function's timeout. Later ones reuse it."""
    import matplotlib

    matplotlib.use("Agg")  # no display on Lambda
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    return plt, mdates


def lambda_handler(event, context):
    plt, mdates = pyplot()
    bucket = event.get("bucket") or os.environ["TRACKED_BUCKET"]
    points = history(bucket)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.step([p[0] for p in points], [p[1] for p in points], where="post", marker="o")
    ax.set_title(f"s3://{bucket}: total size")
    ax.set_ylabel("bytes")
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    plt.close(fig)
    key = f"{bucket}.png"
    s3.put_object(Bucket=os.environ["CHART_BUCKET"], Key=key, Body=png.getvalue(), ContentType="image/png")
    print(f"{len(points)} point(s) drawn into s3://{os.environ['CHART_BUCKET']}/{key} ({png.tell()} bytes)")
    return {"chart": f"s3://{os.environ['CHART_BUCKET']}/{key}", "points": len(points)}
