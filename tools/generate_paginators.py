"""Generate rules/botocore_paginators.json from botocore's own paginator data.

Usage (a development step, never run by alint)::

    pip download --no-deps botocore==1.44.5 -d /tmp/bc
    python tools/generate_paginators.py /tmp/bc/botocore-1.44.5-py3-none-any.whl

For every service (the name ``boto3.client(...)`` takes) and every operation with an entry
in the newest ``data/<service>/<version>/paginators-1.json``, it writes the operation's
snake_case name (botocore's own ``xform_name``, imported from the wheel: that is the name
``can_paginate`` and the client method use) with its request token(s), response token(s),
limit key and "more results" flag. The file is loaded only when a check meets a boto3
call (``catalog/pagination.py``), so start-up does not pay for it.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "rules" / "botocore_paginators.json"


def _tokens(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "+".join(str(item) for item in value)
    return str(value)


def generate(wheel: Path) -> dict[str, object]:
    sys.path.insert(0, str(wheel))  # a wheel is a zip: import botocore.utils from it
    import botocore  # type: ignore[import-not-found]
    from botocore import xform_name  # type: ignore[import-not-found]

    newest: dict[str, tuple[str, str]] = {}  # service -> (API version, member name)
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            parts = name.split("/")
            if len(parts) == 5 and parts[:2] == ["botocore", "data"] and parts[4] == "paginators-1.json":
                service, version = parts[2], parts[3]
                if service not in newest or version > newest[service][0]:
                    newest[service] = (version, name)
        services: dict[str, dict[str, list[str]]] = {}
        for service in sorted(newest):
            name = newest[service][1]
            data = json.loads(archive.read(name))
            operations = {}
            for operation, spec in sorted(data.get("pagination", {}).items()):
                operations[xform_name(operation)] = [
                    _tokens(spec.get("input_token")), _tokens(spec.get("output_token")),
                    _tokens(spec.get("limit_key")), _tokens(spec.get("more_results"))]
            if operations:
                services[service] = operations
    return {"botocore": botocore.__version__,
            "format": "service -> operation -> [request token(s), response token(s), limit key, more-results flag]; "
                      "several tokens joined by '+'",
            "services": services}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    data = generate(Path(argv[0]))
    OUT.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    count = sum(len(ops) for ops in data["services"].values())  # type: ignore[union-attr]
    print(f"{OUT.name}: {count} operations in {len(data['services'])} services (botocore {data['botocore']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
