"""Calls every GET operation of the API document through the Python client
that openapi-python-client generated from it (run by tools/openapi_client.sh).

The operations are read from the document, so a new one is covered without
a change here: each is called once without its optional parameters and once
with each optional query parameter set, and each answer must be 200 and be
parsed into the model the document names for it. Values come from real
data: a path parameter `{p}` from the first item that the GET of the path
above lists, a cursor from the `next_<name>` of an earlier page, an enum
value from the unfiltered answer; a number is 2 (within its bounds).
"""

import argparse
import enum
import importlib
import json
import re
import sys
import typing

import attrs  # the generated models are attrs classes


class Failure(Exception):
    pass


def snake(name):
    """The generator's module and argument names (snake_case)."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()


def squash(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def types(schema):
    """A schema's types ("type" is a list in OpenAPI 3.1)."""
    t = schema.get("type")
    return set(t) if isinstance(t, list) else {t}


def items(parsed):
    """The model objects a body lists: its own items, or those of its list fields."""
    if isinstance(parsed, list):
        return parsed
    fields = attrs.fields(type(parsed)) if attrs.has(type(parsed)) else ()
    return [
        x
        for f in fields
        if isinstance(getattr(parsed, f.name), list)
        for x in getattr(parsed, f.name)
    ]


def plain_value(v):
    return str(getattr(v, "value", v))  # an enum member's value


class Run:
    def __init__(self, package, base_url, token):
        self.package = package
        models = importlib.import_module(f"{package}.models")
        self.models = {squash(n): getattr(models, n) for n in models.__all__}
        client = importlib.import_module(f"{package}.client")
        self.client = client.AuthenticatedClient(base_url=base_url, token=token)
        self.unset = importlib.import_module(f"{package}.types").Unset
        self.calls = self.parsed = 0
        self.bodiless = set()

    def module(self, op):
        tag = snake((op.get("tags") or ["default"])[0])
        name = f"{self.package}.api.{tag}.{snake(op['operationId'])}"
        try:
            return importlib.import_module(name)
        except ImportError:
            raise Failure(f"{op['operationId']}: the generated client has no module {name}")

    def model(self, name, op_id):
        cls = self.models.get(squash(name))
        if cls is None:
            raise Failure(f"{op_id}: the generated client has no model for {name}")
        return cls

    def expected(self, op):
        """What `.parsed` of a 200 must be, as (type, is a list), or None
        where the document declares no body."""
        op_id = op["operationId"]
        content = op["responses"]["200"].get("content") or {}
        if not content:
            return None
        media = content.get("application/json") or next(iter(content.values()))
        schema = media.get("schema") or {}
        many = "array" in types(schema)
        if many:
            schema = schema.get("items") or {}
        if "$ref" in schema:
            return self.model(schema["$ref"].rsplit("/", 1)[-1], op_id), many
        for name, t in (("string", str), ("integer", int), ("number", float), ("boolean", bool)):
            if name in types(schema):
                return t, many
        # An inline object is generated as <OperationId>Response200.
        return self.model(f"{op_id}_response_200", op_id), many

    def call(self, path, op, params, note=""):
        """One call through the generated client; its parsed answer."""
        op_id = op["operationId"]
        func = self.module(op).sync_detailed
        hints = typing.get_type_hints(func)
        kwargs = {}
        for name, value in params.items():
            arg = snake(name)
            if arg not in hints:
                raise Failure(f"{op_id}: the generated function takes no argument {arg}")
            kwargs[arg] = convert(hints[arg], value)
        shown = " ".join(f"{k}={v}" for k, v in params.items()) or "(no parameters)"
        want = self.expected(op)
        self.calls += 1
        try:
            res = func(client=self.client, **kwargs)
        except Exception as e:  # noqa: BLE001 (a body its model cannot read, a refused connection)
            raise Failure(f"{op_id} {shown}: {type(e).__name__}: {e}")
        status = int(res.status_code)
        if status != 200:
            raise Failure(f"{op_id} {shown}: status {status}: {res.content[:300]!r}")
        if want is None:
            if res.parsed is not None:
                raise Failure(f"{op_id} {shown}: no body declared, yet parsed {res.parsed!r}")
            self.bodiless.add(op_id)
            kind = f"no body declared, {len(res.content)} bytes left unparsed"
        else:
            cls, many = want
            if many:
                ok = isinstance(res.parsed, list) and all(isinstance(x, cls) for x in res.parsed)
            else:
                ok = isinstance(res.parsed, cls)
            if not ok:
                raise Failure(
                    f"{op_id} {shown}: parsed as {type(res.parsed).__name__}, "
                    f"not {'a list of ' if many else ''}{cls.__name__}"
                )
            self.parsed += 1
            if many:
                kind = f"list[{cls.__name__}] of {len(res.parsed)}"
            else:
                listed = items(res.parsed) if attrs.has(cls) else []
                kind = cls.__name__ + (f", {len(listed)} items" if listed else "")
        print(f"GET {path} {op_id} {shown} -> {status} {kind}{note}")
        return res.parsed

    def optional(self, path, op, fixed, pages, p):
        """The call with the optional query parameter `p` set, and what its
        answer must show: at most `limit` items; a next page of other items,
        none skipped; only items of the enum value asked for."""
        op_id, name, schema = op["operationId"], p["name"], p.get("schema") or {}
        field = snake(name)
        cursors = [(pg, getattr(pg, "next_" + field, None)) for pg in pages]
        before, value = next(
            ((pg, c) for pg, c in cursors if c is not None and not isinstance(c, self.unset)),
            (None, None),
        )
        note = ""
        if before is not None:
            note = f" (the next_{field} of a page of {len(items(before))})"
        elif hasattr(pages[0], "next_" + field):
            raise Failure(f"{op_id}: no page gave a next_{field} (too few items?)")
        elif "enum" in schema:
            held = [
                plain_value(getattr(x, field))
                for x in items(pages[0])
                if getattr(x, field, None) is not None
            ]
            value = next((h for h in held if h in schema["enum"]), schema["enum"][0])
        elif types(schema) & {"integer", "number"}:
            value = min(max(2, schema.get("minimum", 2)), schema.get("maximum", 2**31))
        else:
            raise Failure(f"{op_id}: no value known for the query parameter {name}")
        got = self.call(path, op, {**fixed, name: value}, note)
        pages.append(got)
        listed = items(got)
        if name == "limit" and len(listed) > int(value):
            raise Failure(f"{op_id} limit={value}: {len(listed)} items")
        if before is not None:
            old, new = {x.id for x in items(before)}, {x.id for x in listed}
            if not new or old & new:
                raise Failure(
                    f"{op_id} {name}={value}: the next page {sorted(new)} is empty "
                    f"or repeats the page before {sorted(old)}"
                )
            # The two pages hold at least what the first answer did: none skipped.
            skipped = {x.id for x in items(pages[0])} - old - new
            if skipped:
                raise Failure(f"{op_id} {name}={value}: the pages skip {sorted(skipped)}")
        if "enum" in schema:
            other = [x for x in listed if plain_value(getattr(x, field, value)) != str(value)]
            if not listed or other:
                raise Failure(
                    f"{op_id} {name}={value}: {len(listed)} items, {len(other)} of another {field}"
                )


def convert(hint, value):
    """`value` as a generated argument of type `hint` takes it (an enum
    member, an int...)."""
    for t in typing.get_args(hint) or (hint,):
        if isinstance(t, type) and (issubclass(t, enum.Enum) or t in (int, float, str, bool)):
            return t(value)
    return value


def main():
    ap = argparse.ArgumentParser()
    for a in ("--document", "--package", "--base-url", "--token"):
        ap.add_argument(a, required=True)
    args = ap.parse_args()
    with open(args.document) as f:
        doc = json.load(f)
    run = Run(args.package, args.base_url, args.token)
    gets = [(path, item["get"]) for path, item in doc["paths"].items() if "get" in item]
    # Those with path parameters last: their values come from the others' lists.
    gets.sort(key=lambda g: "{" in g[0])
    answers, failures = {}, []
    for path, op in gets:
        op_id = op.get("operationId", f"GET {path}")
        try:
            if "operationId" not in op:
                raise Failure(f"GET {path} has no operationId")
            params = op.get("parameters") or []
            fixed = {}
            for p in params:
                if p["in"] == "query" and p.get("required"):
                    raise Failure(f"{op_id}: no value known for the required {p['name']}")
                if p["in"] != "path":
                    continue
                parent = path[: path.index("{" + p["name"] + "}")].rstrip("/")
                listed = items(answers.get(parent) or [])
                if not listed:
                    raise Failure(
                        f"{op_id}: no item listed by GET {parent} to take {p['name']} from"
                    )
                fixed[p["name"]] = getattr(listed[0], snake(p["name"]), None) or listed[0].id
            pages = [run.call(path, op, fixed)]
            answers[path] = pages[0]
            optional = [p for p in params if p["in"] == "query" and not p.get("required")]
            # A cursor after the others, so that a short page (`limit`) gives one.
            optional.sort(key=lambda p: hasattr(pages[0], "next_" + snake(p["name"])))
            for p in optional:
                run.optional(path, op, fixed, pages, p)
        except Failure as e:
            failures.append(str(e))
            print(f"FAILED: {e}")
    if run.bodiless:
        print(
            "the document declares no 200 body (so no model to check) for: "
            + ", ".join(sorted(run.bodiless))
        )
    print(f"openapi client: {run.calls} calls, {run.parsed} parsed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
