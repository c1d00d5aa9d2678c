"""Config validation: every bad input is a clear error naming file and key; nothing runs."""

from __future__ import annotations

import pytest
from changjing.simulate import Config, ConfigError, load_config, parameter_table, parse_config


def write(tmp_path, text: str):
    path = tmp_path / "exp.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_configs_and_experiments_validate(experiments_dir):
    import tomllib

    from changjing.simulate.experiment import load_experiment

    paths = sorted(experiments_dir.glob("*.toml"))
    assert len(paths) >= 2
    from changjing.simulate.calibration.calibrate import load_calibration

    for path in paths:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if "experiment" in data:
            assert load_experiment(path).n_runs > 0
        elif "calibration" in data:
            assert load_calibration(path).priors
        else:
            load_config(path)


def test_unknown_key_names_file_path_and_suggestion(tmp_path):
    path = write(tmp_path, "[funding]\nannual_budgt_yuan = 1e7\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "funding.annual_budgt_yuan" in msg
    assert "did you mean 'annual_budget_yuan'" in msg


def test_unknown_section_suggestion(tmp_path):
    with pytest.raises(ConfigError, match="did you mean 'lifecycle'"):
        load_config(write(tmp_path, "[lifecycel]\nrefine_months = 2\n"))


def test_wrong_type_and_out_of_range_are_reported_together(tmp_path):
    path = write(tmp_path, "[run]\nmonths = 'x'\n[lifecycle]\nrefine_dropout = 2\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    msg = str(err.value)
    assert "run.months" in msg and "'x'" in msg
    assert "lifecycle.refine_dropout" in msg and "less than or equal to 1" in msg


def test_split_must_sum_to_one():
    with pytest.raises(ConfigError, match="funding.split must sum to 1, got 1.2"):
        parse_config({"funding": {"split": {"lab_grants": 0.5, "pilot_subsidies": 0.45,
                                            "matchmaking": 0.1, "attraction": 0.15}}})


def test_domain_typo_in_mapping_suggests():
    with pytest.raises(ConfigError, match="did you mean 'green'"):
        parse_config({"policy": {"domain_priority": {"gren": 2.0}}})


def test_step_must_divide_horizon():
    with pytest.raises(ConfigError, match="step_months=5 must divide months=36"):
        parse_config({"run": {"step_months": 5}})


def test_toml_syntax_error_has_line(tmp_path):
    with pytest.raises(ConfigError, match=r"not valid TOML.*line 2"):
        load_config(write(tmp_path, "[run]\nmonths = = 3\n"))


def test_missing_file():
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config("no/such/file.toml")


def test_overrides_apply_and_validate():
    cfg = Config().with_overrides({"funding.annual_budget_yuan": 9e7})
    assert cfg.funding.annual_budget_yuan == 9e7
    with pytest.raises(ConfigError, match="did you mean 'annual_budget_yuan'"):
        Config().with_overrides({"funding.annual_budget": 9e7})
    with pytest.raises(ConfigError, match="greater than or equal to 0"):
        Config().with_overrides({"funding.annual_budget_yuan": -1})


def test_hash_ignores_seed_but_not_parameters():
    base = Config()
    assert base.config_hash() == Config().with_overrides({"run.seed": 7}).config_hash()
    assert base.config_hash() != base.with_overrides({"firms.n": 999}).config_hash()


def test_every_parameter_has_unit_and_source():
    rows = parameter_table()
    assert len(rows) > 60
    for row in rows:
        assert row["unit"], row["key"]
        assert row["source"], row["key"]
        assert row["description"], row["key"]
