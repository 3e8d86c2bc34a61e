"""Output formats. Each reporter turns a Report into the text to write.

A reporter's module is imported when a report in its format is rendered, not when alint
starts: ``alint --version`` and the command line's option parsing import none of them."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from ..catalog import Catalog
    from ..runner import Report

Renderer = Callable[["Report", "Catalog", "RenderOptions"], str]


class RenderOptions:
    def __init__(self, *, color: bool = False, quiet: bool = False, verbose: bool = False,
                 explain: bool = False) -> None:
        self.color = color
        self.quiet = quiet
        self.verbose = verbose
        self.explain = explain  # text: the rule page's regression-test advice under each finding


def _deferred(module: str, function: str) -> Renderer:
    """The renderer ``function`` of ``reporters.<module>``, imported on its first call (the
    SARIF one pulls in sarif-om and its dependencies)."""
    def render(report: "Report", catalog: "Catalog", options: RenderOptions) -> str:
        return getattr(import_module(f"{__name__}.{module}"), function)(report, catalog, options)

    render.__qualname__ = render.__name__ = f"{module}.{function}"
    return render


FORMATS: dict[str, Renderer] = {
    "text": _deferred("text", "render_full"),
    "concise": _deferred("text", "render_concise"),
    "json": _deferred("json_report", "render"),
    "sarif": _deferred("sarif", "render"),
    "github": _deferred("github", "render"),
    "gitlab": _deferred("gitlab", "render"),
    "junit": _deferred("junit", "render"),
}
