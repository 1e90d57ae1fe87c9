#!/usr/bin/env python3
"""Runs the official DashScope Python SDK, unmodified, through our relay.

The same SDK calls as scripts/sdk-compat.py (helpers in scripts/sdk_compat_common.py),
against `keyframe-video relay` in front of the simulator; run it through
scripts/sdk-compat-relay.sh.
The SDK's API key is a user id (the relay CLI's development authentication), so each user gets
its own rate limits and sees only its own tasks. What differs from DashScope is by design:
`list` is not relayed (404 NotFound), another user's or an unsigned task id is 404 NotFound,
a model the relay does not offer is 403 Forbidden, and the relay checks frames itself.
Exits 0 when every check passed, 1 otherwise.
"""

import os
import sys
import time
from http import HTTPStatus

import requests

from dashscope import VideoSynthesis

from sdk_compat_common import MODEL, PROMPT, check, run
from sdk_compat_common import cancel_pending_task, create_first_task, first_and_last_frames

# The relay spaces creates 500 ms apart for the whole account (DashScope allows 2 per second).
CREATE_SPACING_S = 0.6


def run_checks():
    base_url = os.environ.get("DASHSCOPE_HTTP_BASE_URL", "")
    print(f"Relay: {base_url}")
    if not base_url.startswith("http://127.0.0.1") or "/api/keyframe-video" not in base_url:
        check(False, "DASHSCOPE_HTTP_BASE_URL points at a local relay", base_url)
        return

    first, last = first_and_last_frames()

    print("async_call through the relay")
    created = create_first_task(first, last)
    if not check(created.status_code == HTTPStatus.OK, "create answers 200", created):
        return
    task_id = created.output.get("task_id")
    check(bool(task_id) and task_id.startswith("kfv1"), "the task id is the relay's signed id",
          task_id)
    check(created.output.task_status == "PENDING", "a new task is PENDING", created.output)
    check(bool(created.request_id), "create has a request_id")

    print("fetch and wait")
    fetched = VideoSynthesis.fetch(created)
    check(fetched.status_code == HTTPStatus.OK, "fetch answers 200", fetched)
    check(fetched.output.task_id == task_id, "fetch returns the same task_id", fetched.output)
    done = VideoSynthesis.wait(created)
    check(done.status_code == HTTPStatus.OK, "wait answers 200", done)
    check(done.output.task_status == "SUCCEEDED", "the task SUCCEEDED", done.output)
    check(done.output.task_id == task_id, "wait keeps the relay id", done.output)
    check(done.output.get("orig_prompt") == PROMPT, "orig_prompt is the prompt sent", done.output)
    check(done.usage is not None and done.usage.video_count == 1, "usage.video_count is 1",
          done.usage)
    video_url = done.output.get("video_url")
    check(bool(video_url) and video_url.startswith("http"), "SUCCEEDED has a video_url", video_url)
    if video_url:
        video = requests.get(video_url, timeout=30)
        check(video.status_code == HTTPStatus.OK and video.content[4:8] == b"ftyp",
              "the video_url downloads an MP4", video.status_code)

    print("cancel")
    time.sleep(CREATE_SPACING_S)
    cancel_pending_task(first)
    refused = VideoSynthesis.cancel(created)
    check(refused.status_code == HTTPStatus.BAD_REQUEST and bool(refused.code)
          and bool(refused.message), "cancel of a SUCCEEDED task passes DashScope's 400 on",
          refused)

    print("what the relay refuses, read by the SDK as DashScope errors")
    listed = VideoSynthesis.list(page_no=1, page_size=10)
    check(listed.status_code == HTTPStatus.NOT_FOUND and listed.code == "NotFound",
          "list is not relayed (404 NotFound)", (listed.status_code, listed.code))
    other_user = VideoSynthesis.fetch(task_id, api_key="sdk-user-2")
    check(other_user.status_code == HTTPStatus.NOT_FOUND and other_user.code == "NotFound",
          "another user cannot read the task (404)", (other_user.status_code, other_user.code))
    unsigned = VideoSynthesis.fetch("00000000-0000-4000-8000-000000000000")
    check(unsigned.status_code == HTTPStatus.NOT_FOUND, "an unsigned task id is 404",
          unsigned.status_code)
    nobody = VideoSynthesis.fetch(task_id, api_key="not a user id!")
    check(nobody.status_code == HTTPStatus.UNAUTHORIZED and nobody.code == "Unauthenticated",
          "a caller the relay does not know is 401 Unauthenticated", (nobody.status_code, nobody.code))
    # Fresh users: each refused create still spends its user's create allowance.
    bad_model = VideoSynthesis.async_call(model="wan-no-such-kf2v", first_frame_url=first,
                                          api_key="sdk-user-3")
    check(bad_model.status_code == HTTPStatus.FORBIDDEN and bad_model.code == "Forbidden"
          and bool(bad_model.message), "a model the relay does not offer is 403 Forbidden",
          (bad_model.status_code, bad_model.code))
    no_frame = VideoSynthesis.async_call(model=MODEL, prompt="No first frame.", api_key="sdk-user-4")
    check(no_frame.status_code == HTTPStatus.BAD_REQUEST and no_frame.code == "InvalidParameter",
          "a create without first_frame_url answers 400 InvalidParameter",
          (no_frame.status_code, no_frame.code))
    not_an_image = VideoSynthesis.async_call(
        model=MODEL, first_frame_url="data:image/png;base64,aGVsbG8=", api_key="sdk-user-5")
    check(not_an_image.status_code == HTTPStatus.BAD_REQUEST
          and not_an_image.code == "InvalidParameter",
          "a data URL that is not an image is refused by the relay (400)",
          (not_an_image.status_code, not_an_image.code))


if __name__ == "__main__":
    sys.exit(run(run_checks))
