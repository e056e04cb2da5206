#!/usr/bin/env python3
"""hosts-netem.py: a delay line that stands in for `tc qdisc ... netem` on kernels built without sch_netem.

Started by `scripts/hosts.sh netem` inside one host's network namespace. It makes the tap device --tap; hosts.sh then
redirects every frame the host sends on --dev (a tc u32 filter with `action mirred egress redirect dev TAP` on the
device's root qdisc, after the partition filters) into the tap. This program reads each frame from the tap, drops it
with probability --loss percent, and sends it out of --dev once --delay ms (+/- --jitter ms, never reordering) have
passed, through a packet socket with PACKET_QDISC_BYPASS so it does not meet the redirect again.

It ends on SIGTERM/SIGINT; the tap goes with it (it is not persistent). Only frames the host sends are affected, as
with netem on an egress device.
"""
import argparse
import fcntl
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
SOL_PACKET = 263
PACKET_QDISC_BYPASS = 20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tap", required=True)
    parser.add_argument("--dev", required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="milliseconds")
    parser.add_argument("--jitter", type=float, default=0.0, help="milliseconds")
    parser.add_argument("--loss", type=float, default=0.0, help="percent")
    parser.add_argument("--ready-file", help="written once frames flow")
    parser.add_argument("--tag", help="names the run and host in ps; unused otherwise")
    args = parser.parse_args()

    tap = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH", args.tap.encode(), IFF_TAP | IFF_NO_PI))
    out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    out.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
    out.bind((args.dev, 0))

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    print(f"hosts-netem {args.tag}: {args.tap} -> {args.dev}: delay {args.delay} ms jitter {args.jitter} ms "
          f"loss {args.loss} %", file=sys.stderr, flush=True)
    if args.ready_file:
        with open(args.ready_file, "w") as ready:
            ready.write(f"{os.getpid()}\n")

    queue = []
    sequence = 0
    last_due = 0.0
    passed = dropped = 0
    while not stopping:
        timeout = 0.5 if not queue else max(0.0, queue[0][0] - time.monotonic())
        try:
            readable, _, _ = select.select([tap], [], [], timeout)
        except InterruptedError:
            continue
        if readable:
            while True:
                try:
                    frame = os.read(tap, 65536)
                except BlockingIOError:
                    break
                if args.loss > 0 and random.random() * 100.0 < args.loss:
                    dropped += 1
                    continue
                spread = random.uniform(-args.jitter, args.jitter) if args.jitter > 0 else 0.0
                due = max(time.monotonic() + max(0.0, args.delay + spread) / 1000.0, last_due)
                last_due = due
                sequence += 1
                heapq.heappush(queue, (due, sequence, frame))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, frame = heapq.heappop(queue)
            try:
                out.send(frame)
                passed += 1
            except OSError as error:  # e.g. the device went down: the frame is lost, as on a wire
                print(f"hosts-netem {args.tag}: send failed: {error}", file=sys.stderr, flush=True)
    print(f"hosts-netem {args.tag}: stopped; {passed} frames passed, {dropped} dropped, {len(queue)} in flight lost",
          file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
