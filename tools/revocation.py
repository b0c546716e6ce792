#!/usr/bin/env python3
"""How long a revoked token keeps working on another instance.

    revocation.py BASE_A BASE_B ROUNDS -- TOKEN-ISSUING COMMAND...

Each round issues a fresh token with the command (its standard output is
the token; `{n}` in it becomes the round's number, `{u}` that number
modulo 4), checks that instance B accepts it, then stops it through
instance A: every other round it is regenerated with no grace (`POST
/api/v1/tokens/self/rotate`), the others deleted with itself (`DELETE
/api/v1/tokens/{id}`); A answers once it is stopped. (Reports of leaked
tokens are limited per address: the integration tests cover them.) Then it asks B with
it as fast as one connection can until B refuses (401). Prints the time
from A's answer to B's first refusal, and how many of B's answers came
after A's and still said yes. Run by tools/bench.sh while wrk loads
instance B.
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


def answer(conn, method, path, token=None, body=None):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    res = conn.getresponse()
    return res.status, res.read()


def status(conn, method, path, token=None, body=None):
    return answer(conn, method, path, token, body)[0]


def own_id(conn, token):
    """The id of the token among its owner's (by its last four)."""
    code, body = answer(conn, "GET", "/api/v1/tokens", token)
    assert code == 200, f"listing answered {code}"
    listed = json.loads(body)
    tokens = listed["tokens"] if isinstance(listed, dict) else listed
    return next(t["id"] for t in tokens if t["last_four"] == token[-4:])


def main():
    base_a, base_b, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    issue = sys.argv[sys.argv.index("--") + 1:]
    a, b = connect(base_a), connect(base_b)
    waits, late = [], 0
    for n in range(rounds):
        command = [arg.replace("{n}", str(n)).replace("{u}", str(n % 4)) for arg in issue]
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0, f"{' '.join(command)}: {done.stderr.strip()}"
        token = done.stdout.strip()
        assert status(b, "GET", "/api/v1/user", token) == 200, "B refuses a fresh token"
        if n % 2 == 0:
            answered = status(
                a, "POST", "/api/v1/tokens/self/rotate", token, json.dumps({"grace_seconds": 0})
            )
            assert answered == 201, f"regenerate answered {answered}"
        else:
            token_id = own_id(a, token)
            answered = status(a, "DELETE", f"/api/v1/tokens/{token_id}", token)
            assert answered == 204, f"delete answered {answered}"
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
        f"revocation, regenerated or deleted on A, refused by B under load: {rounds} tokens, "
        f"p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms, most {waits[-1]:.2f} ms; "
        f"{late} answers of B after A's still said yes"
    )


if __name__ == "__main__":
    main()
