"""Handlers for test_local_invoke_fidelity.py: what Lambda's Invoke API and runtime give them."""

import resource


def context_of(event, context):
    cc = context.client_context
    return {
        "request_id": context.aws_request_id,
        "client_context": None if cc is None else
        {"client": cc.client and cc.client.app_title, "custom": cc.custom, "env": cc.env},
    }


def limits(event, context):
    return {name: list(resource.getrlimit(getattr(resource, f"RLIMIT_{name}")))
            for name in ("NOFILE",)}


def open_files(event, context):
    opened = []
    try:
        while len(opened) < 5000:
            opened.append(open("/dev/null"))
    except OSError as exc:
        return {"opened": len(opened), "error": exc.strerror}
    finally:
        for f in opened:
            f.close()
    return {"opened": len(opened)}
