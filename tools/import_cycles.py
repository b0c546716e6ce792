#!/usr/bin/env python3
"""Finds circles of imports between the source files of src/.

A file imports another when one of its paths (in a `use` or in code:
`crate::…`, `super::…`, `self::…`, or a child module's name) names an item
of the other file's module. Paths inside macros (`$crate::…`) count where
the macro is used, not where it is defined; `crate::some_macro` counts as
the file that defines it. A circle is a set of files each reachable from
every other through such imports (a strongly connected component of more
than one file). Prints each circle and exits 1 when there is one; prints the
file and import counts and exits 0 otherwise.

    python3 tools/import_cycles.py [--edges FILE]   # --edges: who imports FILE, and what it imports
    python3 tools/import_cycles.py --up             # only the imports that point up the server's order

The server's folders have an order (ORDER below, as src/server/mod.rs
states it): a folder imports only those after it. A circle, or an import up
that order, fails the check.
"""

import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SRC = os.path.join(ROOT, "src")

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip(text):
    """The text without comments, string and character literals (kept as
    empty literals, so line numbers and brace depth stay right)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    out.append("\n" if text[i] == "\n" else "")
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 8]) and not re.match(r"[A-Za-z0-9_]", text[i - 1] if i else " "):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'":
            # A character literal, or a lifetime / label (left as is).
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            if m:
                out.append("' '")
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def modules():
    """Module path (tuple, from the crate) → file, for every file of src/."""
    found = {}
    for dirpath, _, files in os.walk(SRC):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, SRC)[:-3].split(os.sep)
            if rel in (["lib"], ["main"]):
                mod = ("crate",) if rel == ["lib"] else ("main",)
            else:
                if rel[-1] == "mod":
                    rel = rel[:-1]
                mod = ("crate", *rel)
            found[mod] = os.path.relpath(path, ROOT)
    return found


def use_trees(text):
    """The paths of each `use` declaration, its braces expanded."""
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        tree = re.sub(r"\s+", " ", m.group(1)).strip()
        tree = re.sub(r"\s*(::|\{|\}|,)\s*", r"\1", tree)
        yield from expand(tree, m.start())


def expand(tree, at):
    tree = tree.lstrip(":")
    brace = tree.find("{")
    if brace < 0:
        yield tree.split(" as ")[0], at
        return
    prefix, inner = tree[:brace], tree[brace + 1:tree.rfind("}")]
    depth, start = 0, 0
    parts = []
    for i, c in enumerate(inner):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    for p in parts:
        if p:
            yield from expand(prefix + p, at)


def inline_modules(text):
    """(start, end, name) of each inline `mod name { … }` of the text."""
    spans = []
    for m in re.finditer(r"\bmod\s+(" + IDENT + r")\s*\{", text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        spans.append((m.start(), i, m.group(1)))
    return spans


def module_at(base, spans, at):
    """The module a position of the file is in (inside inline modules)."""
    mod = base
    for start, end, name in spans:
        if start < at < end:
            mod = (*mod, name)
    return mod


def children_of(text):
    return set(re.findall(r"\bmod\s+(" + IDENT + r")\s*;", text))


def resolve(segments, here, file_mod, children, known):
    """The file module a path names, or None for paths outside the crate."""
    segs = [s for s in segments if s]
    if not segs:
        return None
    if segs[0] == "crate":
        absolute = segs
    elif segs[0] in ("super", "self"):
        absolute = list(here)
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                absolute = absolute[:-1]
            segs = segs[1:]
        absolute += segs
    elif segs[0] in children and here == file_mod:
        absolute = [*here, *segs]
    else:
        return None
    for k in range(len(absolute), 0, -1):
        if tuple(absolute[:k]) in known:
            return tuple(absolute[:k])
    return None


def exported_macros(known):
    """`crate::name` → the file module defining `#[macro_export] macro_rules! name`."""
    found = {}
    for mod, path in known.items():
        with open(os.path.join(ROOT, path), encoding="utf-8") as fh:
            text = strip(fh.read())
        for name in re.findall(r"#\[macro_export\]\s*macro_rules!\s*(" + IDENT + ")", text):
            found[name] = mod
    return found


def graph():
    known = modules()
    macros = exported_macros(known)
    edges = {m: {} for m in known}
    for mod, path in known.items():
        with open(os.path.join(ROOT, path), encoding="utf-8") as fh:
            text = strip(fh.read())
        spans = inline_modules(text)
        children = children_of(text)
        base = mod if mod != ("main",) else ("main",)
        paths = []
        for tree, at in use_trees(text):
            paths.append((tree.split("::"), at))
        for m in re.finditer(r"(?<![A-Za-z0-9_:$])((?:crate|super|self)(?:::" + IDENT + r")+)", text):
            paths.append((m.group(1).split("::"), m.start()))
        for m in re.finditer(r"(?<![A-Za-z0-9_:])(" + IDENT + r")::" + IDENT, text):
            if m.group(1) in children:
                paths.append((m.group(0).split("::"), m.start()))
        for segs, at in paths:
            here = module_at(base, spans, at)
            if mod == ("main",):
                # The binary names the library by its crate name.
                if segs[0] == "account_settings":
                    segs = ["crate", *segs[1:]]
            if len(segs) == 2 and segs[0] == "crate" and segs[1] in macros:
                target = macros[segs[1]]
            else:
                target = resolve(segs, here, mod, children, known)
            if target and target != mod:
                line = text.count("\n", 0, at) + 1
                edges[mod].setdefault(target, []).append(("::".join(segs), line))
    return known, edges


def circles(nodes, edges):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


ORDER = ["run", "platform", "rest", "http", "state", "auth", "audit", "tokens", "identity",
         "notify", "events", "config", "kernel", "db"]


def upward(known, edges):
    """(file, file imported, first path) for each import up the order."""
    def folder(m):
        # `server/state.rs` is a room of one file: module ("crate", "server", "state").
        return m[2] if len(m) >= 3 and m[1] == "server" and m[2] in ORDER else None
    out = []
    for m, targets in sorted(edges.items()):
        f = folder(m)
        for t, uses in sorted(targets.items()):
            g = folder(t)
            if f and g and f != g and ORDER.index(g) < ORDER.index(f):
                out.append((known[m], known[t], uses[0][0]))
    return out


def main():
    known, edges = graph()
    if sys.argv[1:] == ["--up"]:
        for a, b, path in upward(known, edges):
            print(f"{a} → {b}: {path}")
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--edges":
        wanted = sys.argv[2]
        for mod, path in sorted(known.items()):
            for target, uses in sorted(edges[mod].items()):
                if known[target] == wanted or path == wanted:
                    print(f"{path} → {known[target]}: {uses[0][0]} (line {uses[0][1]})")
        return 0
    found = circles(known, edges)
    for comp in found:
        inside = set(comp)
        print(f"a circle of {len(comp)} files:")
        for m in comp:
            for target, uses in sorted(edges[m].items()):
                if target in inside:
                    print(f"  {known[m]} → {known[target]}  ({uses[0][0]}, line {uses[0][1]})")
    count = sum(len(t) for t in edges.values())
    if found:
        print(f"{len(found)} circle(s) among {len(known)} files")
        return 1
    up = upward(known, edges)
    for a, b, path in up:
        print(f"up the server's order: {a} → {b} ({path})")
    if up:
        print(f"{len(up)} import(s) point up the order of src/server/mod.rs")
        return 1
    print(f"no import circle among {len(known)} files, and none up the server's order "
          f"({count} imports between them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
