#!/usr/bin/env python3
"""Asks Account Settings what a token is (RFC 7662), as a service of the
platform would: the standard library only.

    INTROSPECT_URL=https://accounts.example.com/oauth/introspect \
    CLIENT_ID=svc_... CLIENT_SECRET=... python3 introspect.py <token>

Prints the answer; exits 0 for an active token, 1 for any other, 2 when the
service's own credential is refused.
"""
import base64
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def introspect(url, client_id, client_secret, token):
    """The server's answer as a dict: {"active": False} for any token that
    does not work, else active, scope, sub, username, email, exp, iat,
    token_type and client_id."""
    # RFC 6749 2.3.1: each part form-encoded, then HTTP Basic.
    pair = f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(client_secret)}"
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode({"token": token, "token_type_hint": "access_token"}).encode(),
        headers={
            "Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.load(answer)


if __name__ == "__main__":
    try:
        info = introspect(
            os.environ["INTROSPECT_URL"],
            os.environ["CLIENT_ID"],
            os.environ["CLIENT_SECRET"],
            sys.argv[1],
        )
    except urllib.error.HTTPError as refused:
        print(refused.code, refused.read().decode())
        sys.exit(2)
    print(json.dumps(info, sort_keys=True))
    if info["active"]:
        print(f"{info['username']} (user {info['sub']}) may: {info['scope']}")
    sys.exit(0 if info["active"] else 1)
