#!/usr/bin/python3
"""A mail server for the tests: takes every message on 127.0.0.1 and writes
it to a directory, one JSON file each in the order received (000001.json:
envelope recipients, headers, plain text and HTML bodies decoded).

    smtp_sink.py DIR [PORT]

Prints the port it listens on (PORT 0 or none: any free one) and runs until
killed. While DIR/fail holds an SMTP reply such as "451 try later" or
"550 no such user", every message is refused with it, so the tests can make
the server fail and recover.
"""
import asyncio
import email
import email.policy
import json
import os
import socket
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        fail = os.path.join(self.folder, "fail")
        if os.path.exists(fail):
            with open(fail) as f:
                return f.read().strip() or "451 try again later"
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parts = {"text/plain": None, "text/html": None}
        for part in msg.walk():
            kind = part.get_content_type()
            if kind in parts and parts[kind] is None:
                parts[kind] = part.get_content()
        record = {
            "envelope_to": envelope.rcpt_tos,
            "envelope_from": envelope.mail_from,
            "headers": {k.lower(): str(v) for k, v in msg.items()},
            "text": parts["text/plain"],
            "html": parts["text/html"],
        }
        self.count += 1
        name = os.path.join(self.folder, "%06d.json" % self.count)
        tmp = name + ".tmp"
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, name)
        return "250 OK"


def main():
    folder = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
