"""A function whose code another function tries to rewrite (tests/local/test_local_isolation.py)."""

import os

RESULT = "original"


def handler(event, context):
    with open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "victim.py")) as f:
        on_disk = f.read()
    untouched = "RESULT = " + '"orig' + 'inal"'  # split: this line must not match itself
    return {"result": RESULT, "tampered_on_disk": untouched not in on_disk}
