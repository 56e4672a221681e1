#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Checks that the library's files form layers: neither the #include graph
# between the files of gpidfd/ nor the graph of calls between its object
# files has a cycle, so that no file calls back into a file that calls it
# (directly or through others). Prints TAP, and the layers found, lowest
# first.
#
# Usage: check-layers.py SOURCE_DIR OBJECT...
#   SOURCE_DIR  the gpidfd/ source directory
#   OBJECT      the object files of the library, or a static archive of
#               them (meson's libgpidfd-internal.a)
#
# Calls are read with `nm`: a file calls another when it uses (U) a
# symbol the other defines (T, D, B, R). Includes are read from the
# sources: "..." includes between files of SOURCE_DIR.

import os
import re
import subprocess
import sys


def cycles(graph):
    """The strongly connected components with more than one node, or a
    node with an edge to itself (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layers(graph):
    """Each node's height: 0 for one that uses nothing, else one more than
    the highest it uses (the graph has no cycle)."""
    height = {}

    def h(v):
        if v not in height:
            height[v] = 0
            height[v] = 1 + max((h(w) for w in graph.get(v, ())), default=-1)
        return height[v]

    for v in graph:
        h(v)
    by_height = {}
    for v, n in height.items():
        by_height.setdefault(n, []).append(v)
    return [sorted(by_height[n]) for n in sorted(by_height)]


def include_graph(source_dir):
    graph = {}
    names = {f for f in os.listdir(source_dir) if f.endswith(('.c', '.h'))}
    for name in names:
        with open(os.path.join(source_dir, name)) as fh:
            text = fh.read()
        graph[name] = {inc for inc in re.findall(r'^#\s*include\s+"([^"]+)"', text, re.M)
                       if inc in names and inc != name}
    return graph


def call_graph(objects):
    """OBJECTS: object files, or static archives of them."""
    defined, used = {}, {}
    for obj in objects:
        out = subprocess.run(['nm', obj], check=True, capture_output=True, text=True).stdout
        name = re.sub(r'\.o$', '', os.path.basename(obj))
        for line in out.splitlines():
            fields = line.split()
            if len(fields) == 1 and fields[0].endswith('.o:'):
                # A member of an archive.
                name = re.sub(r'\.o:$', '', os.path.basename(fields[0]))
                continue
            if name.endswith('.a'):
                continue
            name = re.sub(r'^meson-generated_\.\._', '', name)
            used.setdefault(name, set())
            if len(fields) == 2 and fields[0] == 'U':
                used[name].add(fields[1])
            elif len(fields) == 3 and fields[1] in 'TDBR':
                defined[fields[2]] = name
    return {name: {defined[s] for s in symbols if s in defined and defined[s] != name}
            for name, symbols in used.items()}


def main():
    source_dir, objects = sys.argv[1], sys.argv[2:]
    ok = True
    print('1..2')
    for number, (what, graph) in enumerate((('includes', include_graph(source_dir)),
                                            ('calls', call_graph(objects))), 1):
        found = cycles(graph)
        if found:
            ok = False
            print(f'not ok {number} - {what}: {len(found)} cycle(s)')
            for component in found:
                print(f'# cycle: {" <-> ".join(component)}')
        else:
            print(f'ok {number} - {what}: no cycle')
            for height, files in enumerate(layers(graph)):
                print(f'#   {height}: {" ".join(files)}')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
