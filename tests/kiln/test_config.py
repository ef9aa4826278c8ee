"""The compile's config: made once, frozen, the clock converted from ns in one place, every
bad value refused with the option's name before anything runs, and recorded losslessly."""

from __future__ import annotations

import dataclasses

import pytest

from kiln.base.errors import ConfigError, KilnError
from kiln.config import CompileConfig, ScheduleConfig, clock_ps_from_ns


def test_the_clock_is_given_in_ns_and_kept_in_ps():
    config = CompileConfig.make(clock_ns=2.5)
    assert config.schedule.clock_ps == 2500.0 and config.schedule.clock_ns == 2.5
    assert config.schedule.options().clock_period_ps == 2500.0
    assert clock_ps_from_ns(0.4) == 400.0


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "2"])
def test_a_clock_that_is_not_a_positive_number_is_refused(bad):
    with pytest.raises(ConfigError, match="clock period must be a positive number of ns"):
        CompileConfig.make(clock_ns=bad)


def test_records_are_frozen_and_options_are_fresh_each_time():
    config = CompileConfig.make(clock_ns=2.0, limits=[("mul", 2)])
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.schedule.clock_ps = 1.0  # type: ignore[misc]
    first = config.schedule.options()
    first.limits["mul"] = 9  # a scheduler may write into its options...
    assert config.schedule.options().limits == {"mul": 2}  # ...the config is untouched


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"ii": 0}, "ii must be at least 1, got 0"),
        ({"local_ports": 0}, "local_ports must be at least 1, got 0"),
        ({"limits": [("mul", 0)]}, "limit mul=0: at least 1 unit"),
        ({"passes": ("no-such-pass",)}, "unknown pass 'no-such-pass'"),
        ({"simulator": "xsim"}, "unknown simulator 'xsim'"),
        ({"vectors": 0}, "asked to simulate 0 calls; nothing would be checked"),
        ({"clock_ps": 5}, "unknown compile option 'clock_ps'"),
        ({"frobnicate": 1}, "unknown compile option 'frobnicate'"),
    ],
)
def test_each_bad_option_is_named(options, message):
    with pytest.raises(KilnError) as err:
        CompileConfig.make(clock_ns=2.0, **options)
    assert message in str(err.value)


def test_an_unknown_target_is_refused_with_the_spellings():
    with pytest.raises(KilnError) as err:
        CompileConfig.make(target="asic")
    assert "unknown target" in str(err.value) and "liberty:FILE" in err.value.hint


def test_the_recorded_config_reads_back_equal():
    config = CompileConfig.make(
        clock_ns=3.0, ii=2, limits={"mul": 1}, vectors=17, seed=4, include_dirs=["inc"],
        simulate=False, synthesize=False,
    )  # fmt: skip
    again = CompileConfig.from_json(config.to_json())
    assert again == config
    assert config.to_json()["schedule"]["clock_ps"] == 3000.0


def test_schedule_config_checks_itself_when_made_directly():
    with pytest.raises(ConfigError, match="clock period must be positive, got -5 ps"):
        ScheduleConfig(clock_ps=-5)
