"""Output formats. Each reporter turns a Report into the text to write."""

from __future__ import annotations

from typing import Callable

from ..catalog import Catalog
from ..runner import Report
from . import github, gitlab, json_report, junit, text

Renderer = Callable[[Report, Catalog, "RenderOptions"], str]


class RenderOptions:
    def __init__(self, *, color: bool = False, quiet: bool = False, verbose: bool = False,
                 explain: bool = False) -> None:
        self.color = color
        self.quiet = quiet
        self.verbose = verbose
        self.explain = explain  # text: the rule page's regression-test advice under each finding


def _sarif(report: Report, catalog: Catalog, options: "RenderOptions") -> str:
    from . import sarif  # sarif-om and its dependencies: only for a SARIF report

    return sarif.render(report, catalog, options)


FORMATS: dict[str, Renderer] = {
    "text": text.render_full,
    "concise": text.render_concise,
    "json": json_report.render,
    "sarif": _sarif,
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
}
