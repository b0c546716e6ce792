#!/usr/bin/env python3
"""How long a revoked token keeps working on another instance.

    revocation.py BASE_A BASE_B ROUNDS -- TOKEN-ISSUING COMMAND...

Each round issues a fresh token with the command (its standard output is
the token; `{n}` in it becomes the round's number), checks that instance B accepts it, reports it leaked to
instance A (`POST /api/v1/tokens/revoke`, which revokes it before
answering), then asks B with it as fast as one connection can until B
refuses (401). Prints the time from A's answer to B's first refusal, and
how many of B's answers came after A's and still said yes. Run by
tools/bench.sh while wrk loads instance B.
"""

import http.client
import json
import subprocess
import sys
import time
from urllib.parse import urlsplit


def connect(base):
    u = urlsplit(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def status(conn, method, path, token=None, body=None):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    res = conn.getresponse()
    res.read()
    return res.status


def main():
    base_a, base_b, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    issue = sys.argv[sys.argv.index("--") + 1:]
    a, b = connect(base_a), connect(base_b)
    waits, late = [], 0
    for n in range(rounds):
        command = [arg.replace("{n}", str(n)) for arg in issue]
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0, f"{' '.join(command)}: {done.stderr.strip()}"
        token = done.stdout.strip()
        assert status(b, "GET", "/api/v1/user", token) == 200, "B refuses a fresh token"
        answered = status(a, "POST", "/api/v1/tokens/revoke", body=json.dumps({"token": token}))
        assert answered == 202, f"revoke answered {answered}"
        after = time.perf_counter()
        while True:
            code = status(b, "GET", "/api/v1/user", token)
            if code == 401:
                break
            assert code == 200, f"B answered {code}"
            late += 1
        waits.append((time.perf_counter() - after) * 1000)
    waits.sort()
    pick = lambda q: waits[min(len(waits) - 1, int(q * len(waits)))]
    print(
        f"revocation, reported leaked on A, refused by B under load: {rounds} tokens, "
        f"p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms, most {waits[-1]:.2f} ms; "
        f"{late} answers of B after A's still said yes"
    )


if __name__ == "__main__":
    main()
