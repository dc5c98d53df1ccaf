"""The sentiment report's spread of P(negative) over calm messages (pure functions, no model)."""

from __future__ import annotations

import yaml

from devtools.rasa_server import ROOT
from evaluation.sentiment import handoff_thresholds, negativity_distribution


def test_the_thresholds_are_the_handoff_policys_in_config_yml():
    policies = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["policies"]
    policy = next(p for p in policies if p["name"].endswith("HandoffPolicy"))
    assert handoff_thresholds() == {
        "single": policy["upset_single_threshold"],
        "mean": policy["upset_mean_threshold"],
    }


def test_buckets_deciles_and_counts_at_or_above_each_threshold():
    scores = [0.0, 0.05, 0.1, 0.2, 0.59, 0.6, 0.84, 0.85, 0.99, 1.0]
    spread = negativity_distribution(scores, {"single": 0.85, "mean": 0.6})
    assert spread["messages"] == 10 and spread["max"] == 1.0
    assert spread["buckets"]["0.0-0.1"] == 2 and spread["buckets"]["0.1-0.2"] == 1
    assert spread["buckets"]["0.5-0.6"] == 1 and spread["buckets"]["0.9-1.0"] == 2  # 1.0 is in the last bucket
    assert sum(spread["buckets"].values()) == 10
    assert spread["at_or_above"] == {"single 0.85": 3, "mean 0.6": 5}
    assert spread["deciles"]["p50"] in (0.59, 0.6)
    assert list(spread["deciles"]) == [f"p{10 * i}" for i in range(1, 10)]


def test_no_scores_give_an_empty_spread_not_an_error():
    spread = negativity_distribution([], {"single": 0.85})
    assert spread["messages"] == 0 and spread["deciles"] == {} and spread["at_or_above"] == {"single 0.85": 0}
