"""The severities a finding can have, most severe first. ``fail-on`` (and ``--fail-on``) takes
one of them: a run fails on findings at or above it. A module of its own so that the command
line can offer the choices without importing the catalog."""

SEVERITIES = ("error", "warning", "note")
FAIL_ON = SEVERITIES
