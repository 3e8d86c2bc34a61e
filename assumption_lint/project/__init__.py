"""What the analysed project declares, read from its files (never imported or run).

- ``versions``: the package versions it declares (lock files, pyproject, requirements), for
  version-aware timeout defaults;
- ``packages``: facts about a file's import package read from its sibling modules' text
  (a module that sets a process-wide timeout);
- ``modules``: which project file an import names, from the layout alone (project-wide analysis).

Both reach the checks through ``Settings`` (``package_versions``, ``package``): checks import
no project reader.
"""

from .modules import PROJECT_MARKERS, ModuleIndex, project_root_of
from .packages import PACKAGE_FACTS, PackageFacts, package_root, package_sets_global
from .versions import Declared, ProjectVersions, declared_versions

__all__ = ["PACKAGE_FACTS", "PROJECT_MARKERS", "Declared", "ModuleIndex", "PackageFacts", "ProjectVersions",
           "declared_versions", "package_root", "package_sets_global", "project_root_of"]
