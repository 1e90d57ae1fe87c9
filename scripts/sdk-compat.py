#!/usr/bin/env python3
"""Runs the official DashScope Python SDK, unmodified, against our simulator.

Exercises VideoSynthesis.async_call / fetch / wait / cancel / list with the keyframe-to-video
model and checks every answer the way an app using the SDK would. Run it through
scripts/sdk-compat.sh, which starts the simulator and sets:

  DASHSCOPE_HTTP_BASE_URL   the simulator's base URL (read by the SDK on import)
  DASHSCOPE_API_KEY         any key (the simulator accepts every key by default)
  PYTHONPATH                a checkout of github.com/dashscope/dashscope-sdk-python

With SDK_CAPTURE=<file>, it also records what the SDK put on the wire
(scripts/sdk_compat_common.py), for test/node/simulator-sdk-shapes.test.ts.
Exits 0 when every check passed, 1 otherwise.
"""

import os
import sys
import time
from http import HTTPStatus
from pathlib import Path

import requests

import dashscope
from dashscope import VideoSynthesis
from dashscope.version import __version__ as sdk_version

from sdk_compat_common import MODEL, PROMPT, check, run
from sdk_compat_common import cancel_pending_task, create_first_task, first_and_last_frames


def run_checks():
    base_url = os.environ.get("DASHSCOPE_HTTP_BASE_URL", "")
    print(f"DashScope SDK {sdk_version} from {Path(dashscope.__file__).parent}")
    print(f"Simulator: {base_url}")
    if not base_url.startswith("http://127.0.0.1"):
        check(False, "DASHSCOPE_HTTP_BASE_URL points at a local simulator", base_url)
        return

    first, last = first_and_last_frames()

    print("async_call: create a task")
    created = create_first_task(first, last)
    if not check(created.status_code == HTTPStatus.OK, "create answers 200", created):
        return
    task_id = created.output.get("task_id")
    check(bool(task_id), "create returns output.task_id", created.output)
    check(created.output.task_status == "PENDING", "a new task is PENDING", created.output)
    check(bool(created.request_id), "create has a request_id")

    print("fetch: query the task")
    fetched = VideoSynthesis.fetch(created)
    check(fetched.status_code == HTTPStatus.OK, "fetch answers 200", fetched)
    check(fetched.output.task_id == task_id, "fetch returns the same task_id", fetched.output)
    check(fetched.output.task_status in ("PENDING", "RUNNING"), "the task is queued or running",
          fetched.output.task_status)

    print("wait: poll until the task ends")
    done = VideoSynthesis.wait(created)
    check(done.status_code == HTTPStatus.OK, "wait answers 200", done)
    check(done.output.task_status == "SUCCEEDED", "the task SUCCEEDED", done.output)
    video_url = done.output.get("video_url")
    check(bool(video_url) and video_url.startswith("http"), "SUCCEEDED has an http(s) video_url",
          video_url)
    check(done.output.get("orig_prompt") == PROMPT, "orig_prompt is the prompt sent", done.output)
    check(bool(done.output.get("submit_time")) and bool(done.output.get("end_time")),
          "submit_time and end_time are set", done.output)
    check(done.usage is not None and done.usage.video_count == 1, "usage.video_count is 1",
          done.usage)
    check(done.usage is not None and done.usage.video_duration == 5, "usage.video_duration is 5",
          done.usage)
    if video_url:
        video = requests.get(video_url, timeout=30)
        check(video.status_code == HTTPStatus.OK, "the video_url downloads (200)", video.status_code)
        check(video.headers.get("content-type", "").startswith("video/mp4"),
              "the video is video/mp4", video.headers.get("content-type"))
        check(video.content[4:8] == b"ftyp", "the bytes are an MP4 file", video.content[:12])

    print("cancel: a PENDING task is canceled, a finished one is refused")
    second = cancel_pending_task(first)
    refused = VideoSynthesis.cancel(created)
    check(refused.status_code == HTTPStatus.BAD_REQUEST, "cancel of a SUCCEEDED task answers 400",
          refused)
    check(bool(refused.code) and bool(refused.message), "the refusal has a code and a message",
          refused)

    print("list: the account's tasks")
    listed = VideoSynthesis.list(page_no=1, page_size=10)
    check(listed.status_code == HTTPStatus.OK, "list answers 200", listed)
    rows = (listed.output or {}).get("data") or []
    ids = [row.get("task_id") for row in rows]
    check(task_id in ids and second.output.task_id in ids, "list includes both tasks", ids)
    # DashScope's list rows carry `status` (the task query's `task_status` is accepted too).
    statuses = {row.get("task_id"): row.get("status", row.get("task_status")) for row in rows}
    check(statuses.get(second.output.task_id) == "CANCELED", "list shows the CANCELED status",
          statuses)
    filtered = VideoSynthesis.list(status="SUCCEEDED", model_name=MODEL)
    filtered_ids = [row.get("task_id") for row in (filtered.output or {}).get("data") or []]
    check(filtered.status_code == HTTPStatus.OK and filtered_ids == [task_id],
          "list filters by status and model", filtered_ids)

    print("errors: the SDK reads them as DashScope errors")
    unknown = VideoSynthesis.fetch("00000000-0000-4000-8000-000000000000")
    check(unknown.status_code == HTTPStatus.OK and unknown.output.task_status == "UNKNOWN",
          "an unknown task id reads UNKNOWN", unknown)
    time.sleep(1.1)  # stay under the account's 2 creates per second
    bad_model = VideoSynthesis.async_call(model="wan-no-such-kf2v", first_frame_url=first)
    check(bad_model.status_code >= 400 and bool(bad_model.code) and bool(bad_model.message),
          "an unknown model answers an error with code and message",
          (bad_model.status_code, bad_model.code, bad_model.message))
    no_frame = VideoSynthesis.async_call(model=MODEL, prompt="No first frame.")
    check(no_frame.status_code == HTTPStatus.BAD_REQUEST and no_frame.code == "InvalidParameter",
          "a create without first_frame_url answers 400 InvalidParameter",
          (no_frame.status_code, no_frame.code, no_frame.message))
    time.sleep(1.1)
    not_an_image = VideoSynthesis.async_call(
        model=MODEL, first_frame_url="data:image/png;base64,aGVsbG8=")
    check(not_an_image.status_code >= 400 and bool(not_an_image.code),
          "a data URL that is not an image is refused",
          (not_an_image.status_code, not_an_image.code, not_an_image.message))


if __name__ == "__main__":
    sys.exit(run(run_checks))
