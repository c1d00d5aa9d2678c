"""changjing (场景): simulate and evaluate city scenario-innovation programmes.

Two independent libraries live under this namespace:

* :mod:`changjing.simulate` — the agent-based model of the scenario lifecycle;
* :mod:`changjing.evaluate` — scoring and causal evaluation of completed scenarios.

The command line (:mod:`changjing.cli`) sits on top of both.
"""

from __future__ import annotations

__version__ = "0.2.0"
