"""changjing (场景): simulate and evaluate city scenario-innovation programmes.

Two independent libraries live under this namespace:

* :mod:`changjing.simulate` — the agent-based model of the scenario lifecycle;
* :mod:`changjing.evaluate` — scoring and causal evaluation of completed scenarios.

The command line (:mod:`changjing.cli`) sits on top of both.
"""

from __future__ import annotations

import os as _os

__version__ = "0.2.0"

# In a source checkout the libraries sit beside this folder (see pyproject's package-dir),
# not inside it; let `changjing.simulate` resolve there when the checkout itself is on
# sys.path ahead of an installed copy.  Installed, they are real sub-folders and this is a no-op.
_here = _os.path.dirname(__file__)
_root = _os.path.dirname(_here)
if not _os.path.isdir(_os.path.join(_here, "simulate")) and _os.path.isfile(
    _os.path.join(_root, "simulate", "__init__.py")
):
    __path__.append(_root)  # type: ignore[name-defined]
