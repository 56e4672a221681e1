# SPDX-License-Identifier: LGPL-2.1-or-later
"""TAP output for the unittest suites, shared by every Python test file."""

import sys
import unittest


class TapResult(unittest.TestResult):
    """Prints one TAP line per test."""

    def __init__(self):
        super().__init__()
        self.n = 0

    def _line(self, ok, test, extra=''):
        self.n += 1
        print('%s %d - %s%s' % ('ok' if ok else 'not ok', self.n, test.id(),
                                extra), flush=True)

    def _diag(self, text):
        for line in text.rstrip().splitlines():
            print('# ' + line)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test)
        self._diag(self.failures[-1][1])

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, test)
        self._diag(self.errors[-1][1])

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, ' # SKIP ' + reason)


def main(module_name):
    """Runs the tests of module MODULE_NAME; returns the exit status."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(
        sys.modules[module_name])
    print('1..%d' % suite.countTestCases(), flush=True)
    result = TapResult()
    suite.run(result)
    return 0 if result.wasSuccessful() else 1
