#!/usr/bin/env python3
"""Stands in for an nccl-tests binary by replaying a real recording (tests only).

Environment: FAKE_LOG (recorded stdout to replay), FAKE_JSON (recorded -J file, copied to the
path given with -J), FAKE_USAGE (text printed for -h), FAKE_DELAY (seconds per line),
FAKE_STALL_AFTER (stop printing after N lines and sleep, with a child process, like mpirun's
ranks), FAKE_EXIT (exit status), FAKE_STDERR (text for stderr), FAKE_RECORD (file to write argv,
env and pids to).
"""

import json
import os
import shutil
import sys
import time

env = os.environ
args = sys.argv[1:]
if "-h" in args:
    sys.stdout.write(open(env["FAKE_USAGE"]).read())
    sys.exit(0)
record = {"argv": args, "NCCL_DEBUG": env.get("NCCL_DEBUG"), "FOO": env.get("FOO"), "pid": os.getpid()}
stall_after = int(env.get("FAKE_STALL_AFTER", "-1"))
if stall_after >= 0:
    child = os.fork()
    if child == 0:
        time.sleep(3600)
        os._exit(0)
    record["child"] = child
if env.get("FAKE_RECORD"):
    with open(env["FAKE_RECORD"], "w") as f:
        json.dump(record, f)
if env.get("FAKE_STDERR"):
    sys.stderr.write(env["FAKE_STDERR"] + "\n")
    sys.stderr.flush()
delay = float(env.get("FAKE_DELAY", "0"))
for i, line in enumerate(open(env["FAKE_LOG"], errors="replace")):
    if i == stall_after:
        time.sleep(3600)
    sys.stdout.write(line)
    sys.stdout.flush()
    time.sleep(delay)
if "-J" in args and env.get("FAKE_JSON"):
    shutil.copy(env["FAKE_JSON"], args[args.index("-J") + 1])
sys.exit(int(env.get("FAKE_EXIT", "0")))
