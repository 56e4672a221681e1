#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# gir-check-since.py GIRFILE
#
# Fails if a public symbol of the GIR has no "Since:" (a version attribute
# in the GIR), or no documentation. gi-docgen check covers documentation
# but not versions.

import sys
import xml.etree.ElementTree as ET

NS = {
    'core': 'http://www.gtk.org/introspection/core/1.0',
    'c': 'http://www.gtk.org/introspection/c/1.0',
    'glib': 'http://www.gtk.org/introspection/glib/1.0',
}
CORE = '{%s}' % NS['core']
GLIB = '{%s}' % NS['glib']

# Elements that are symbols of their own and carry a version.
TOP_LEVEL = ('class', 'interface', 'record', 'union', 'enumeration',
             'bitfield', 'callback', 'function', 'function-macro',
             'constant', 'alias')
MEMBERS = ('constructor', 'method', 'function', 'property', 'signal',
           'virtual-method')


def symbol_name(parent, elem):
    name = elem.get('name')
    tag = elem.tag.replace(CORE, '').replace(GLIB, '')
    if parent is None:
        return f'{tag} {name}'
    return f'{tag} {parent}.{name}'


def check(elem, parent, problems):
    name = symbol_name(parent, elem)
    if elem.get('version') is None:
        problems.append(f'{name}: no "Since:" (version)')
    if elem.find('core:doc', NS) is None:
        problems.append(f'{name}: not documented')


def main(argv):
    if len(argv) != 2:
        print(f'usage: {argv[0]} GIRFILE', file=sys.stderr)
        return 2

    tree = ET.parse(argv[1])
    namespace = tree.getroot().find('core:namespace', NS)
    problems = []
    count = 0

    for elem in namespace:
        tag = elem.tag.replace(CORE, '').replace(GLIB, '')
        if tag not in TOP_LEVEL and elem.tag != GLIB + 'signal':
            continue
        # The class structs of final types are private details.
        if tag == 'record' and elem.get(GLIB + 'is-gtype-struct-for'):
            continue
        check(elem, None, problems)
        count += 1
        for child in elem:
            ctag = child.tag.replace(CORE, '').replace(GLIB, '')
            if ctag in MEMBERS:
                check(child, elem.get('name'), problems)
                count += 1

    for p in problems:
        print(f'WARNING: {p}')
    print(f'{count} symbols checked, {len(problems)} problem(s)')

    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
