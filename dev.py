#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+: ``python3 dev.py spec`` or ``python3 dev.py test``
(devtool.py does the work and explains both).

This file is only the launcher: it parses on any Python, 2.7 included, so that an older one is told in one line
what is needed instead of failing on newer syntax.
"""

import sys

if sys.version_info < (3, 11):  # noqa: UP036 (this is what tells an older Python)
    sys.exit("Python 3.11 or newer is needed, this is %s: run dev.py with python3.11+" % sys.version.split()[0])  # noqa: UP031

import devtool  # only on a Python that can run it

if __name__ == "__main__":
    devtool.main(sys.argv[1:])
