"""Whether the terminal report is coloured: ``--color auto|always|never``, ``NO_COLOR`` and
``FORCE_COLOR``.

The colours themselves are click's (``click.style`` in the text reporter, and
``click.echo(color=...)``, which strips the styles again when the answer here is no), the
same library as the rest of the terminal output; this module only makes the decision.

Order: ``--color always`` and ``--color never`` win; then ``NO_COLOR``
(https://no-color.org: present and not empty, no colour), then ``FORCE_COLOR``
(https://force-color.org: present and not empty, colour, whatever its value); then, for
``auto``, colour only when standard output is a terminal. A report written with ``-o FILE``
is never coloured: escape sequences in a file are noise for every reader of it.
"""

from __future__ import annotations

import os
from typing import IO, Mapping

CHOICES = ("auto", "always", "never")


def use_color(choice: str, *, to_file: bool, stream: IO[str] | None = None,
              environ: Mapping[str, str] | None = None) -> bool:
    if to_file or choice == "never":
        return False
    if choice == "always":
        return True
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if stream is None:
        import sys

        stream = sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
