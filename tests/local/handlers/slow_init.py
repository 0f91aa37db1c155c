"""An init that takes INIT_SECONDS (the environment's), for Lambda's 10 s init limit."""

import os
import time

print("init starts")
time.sleep(float(os.environ.get("INIT_SECONDS", "0")))


def handler(event, context):
    print("handler runs")
    return {"ok": True}
