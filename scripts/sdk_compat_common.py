"""What scripts/sdk-compat.py (the SDK against the simulator) and scripts/sdk-compat-relay.py
(the SDK through the relay) share: the check counter, the first create, the cancel of a PENDING
task, the optional capture of what the SDK put on the wire, and the run that prints the summary
and gives the exit status.

With SDK_CAPTURE=<file>, the run records each request the SDK sends (method, path, query, header
names, JSON body keys) without changing it, for test/node/simulator-sdk-shapes.test.ts and
test/node/relay-sdk-shapes.test.ts.
"""

import base64
import json
import os
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests

from dashscope import VideoSynthesis

ROOT = Path(__file__).resolve().parent.parent
FRAMES = ROOT / "test" / "fixtures" / "frames"
MODEL = "wan2.2-kf2v-flash"
PROMPT = "The camera slowly pulls back as morning light fills the scene."

checks = {"passed": 0, "failed": 0}
captured = []


def check(condition, what, detail=None):
    if condition:
        checks["passed"] += 1
        print(f"  ok    {what}")
    else:
        checks["failed"] += 1
        print(f"  FAIL  {what}" + (f": {detail}" if detail is not None else ""))
    return condition


def data_url(name, mime):
    encoded = base64.b64encode((FRAMES / name).read_bytes()).decode("ascii")
    return f"data:{mime};base64,{encoded}"


def first_and_last_frames():
    """The two frames of the first create: a JPEG and a lossy WebP, as data URLs."""
    return (data_url("valid-640x480.jpg", "image/jpeg"),
            data_url("valid-lossy-600x400.webp", "image/webp"))


def create_first_task(first, last):
    """The first create of both scripts: both frames, the prompt, 480P and seed 42."""
    return VideoSynthesis.async_call(
        model=MODEL,
        first_frame_url=first,
        last_frame_url=last,
        prompt=PROMPT,
        resolution="480P",
        seed=42,
    )


def cancel_pending_task(first):
    """Creates a second task and cancels it while PENDING: the cancel answers 200 and the task
    then reads CANCELED. Returns the create's answer."""
    second = VideoSynthesis.async_call(model=MODEL, first_frame_url=first, prompt="A short zoom.")
    check(second.status_code == HTTPStatus.OK, "second create answers 200", second)
    canceled = VideoSynthesis.cancel(second)
    check(canceled.status_code == HTTPStatus.OK, "cancel of a PENDING task answers 200", canceled)
    after = VideoSynthesis.fetch(second)
    check(after.output.task_status == "CANCELED", "the canceled task reads CANCELED", after.output)
    return second


def key_tree(value):
    """The JSON body's keys (nested) with short values as sent; long strings (images) elided."""
    if isinstance(value, dict):
        return {key: key_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [key_tree(item) for item in value[:1]]
    if isinstance(value, str) and len(value) > 100:
        return f"<{len(value)} characters starting {value[:16]!r}>"
    return value


def record_requests():
    """Wraps requests.Session.send to record each request the SDK sends (not changing it)."""
    original_send = requests.Session.send
    visible = {"content-type", "accept", "x-dashscope-async", "x-dashscope-ossresourceresolve"}

    def send(session, prepared, **kwargs):
        url = urlsplit(prepared.url)
        body = prepared.body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        try:
            body_keys = key_tree(json.loads(body)) if body else None
        except ValueError:
            body_keys = "not JSON"
        headers = {name.lower(): value for name, value in prepared.headers.items()}
        captured.append(
            {
                "method": prepared.method,
                "path": url.path,
                "query": dict(parse_qsl(url.query)),
                "headerNames": sorted(headers),
                "headers": {name: value for name, value in headers.items() if name in visible},
                "bodyKeys": body_keys,
            }
        )
        return original_send(session, prepared, **kwargs)

    requests.Session.send = send


def run(run_checks):
    """Runs `run_checks` (recording the requests with SDK_CAPTURE set), prints the summary and
    returns the exit status: 0 when every check passed, 1 otherwise."""
    capture_path = os.environ.get("SDK_CAPTURE")
    if capture_path:
        record_requests()
    try:
        run_checks()
    finally:
        if capture_path:
            Path(capture_path).write_text(json.dumps(captured, indent=2) + "\n", encoding="utf-8")
            print(f"Recorded {len(captured)} requests in {capture_path}")
    print(f"{checks['passed']} checks passed, {checks['failed']} failed")
    return 0 if checks["failed"] == 0 else 1
