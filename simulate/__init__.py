"""The scenario-innovation agent-based model (Mesa), with firm state held in numpy arrays.

Quick use::

    from changjing.simulate import load_config, run
    result = run(load_config("experiments/baseline.toml"), seed=1)
    result.summary          # 十百千 indicators against targets
    result.timeseries       # one row a month

Or step the Mesa model yourself::

    from changjing.simulate import ScenarioModel, Config
    model = ScenarioModel(Config(), seed=1)
    model.run_for(12)
    model.datacollector.get_model_vars_dataframe()
"""

from typing import Any

from .config import Config, load_config, parameter_table, parse_config
from .errors import ConfigError, SimulateError

__all__ = ["Config", "ConfigError", "RunResult", "ScenarioModel", "SimulateError",
           "load_config", "parameter_table", "parse_config", "run"]


def __getattr__(name: str) -> Any:  # mesa is imported only when the model is needed
    if name == "ScenarioModel":
        from .model import ScenarioModel

        return ScenarioModel
    if name in ("run", "RunResult"):
        from . import runner as _run

        return getattr(_run, name)
    raise AttributeError(name)
