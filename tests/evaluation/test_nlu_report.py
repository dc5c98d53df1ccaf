"""The NLU report's set naming, confusion-pair counts and side-by-side table (pure functions, no model)."""

from __future__ import annotations

import re
from pathlib import Path

from evaluation.nlu import comparison_table, pair_confusions, report_paths, second_stage_figures, set_name


def test_the_first_set_keeps_its_report_names_and_the_spoken_set_gets_a_suffix():
    out = Path("reports")
    assert set_name(Path("evaluation/heldout_nlu.yml")) == ""
    assert report_paths(out, Path("evaluation/heldout_nlu.yml")) == (
        out / "nlu_report.json",
        out / "intent_confusion_matrix.png",
    )
    assert report_paths(out, Path("evaluation/heldout_spoken_nlu.yml")) == (
        out / "nlu_report_spoken.json",
        out / "intent_confusion_matrix_spoken.png",
    )


def test_pair_confusions_count_each_misreading_by_direction_and_ignore_others():
    gold = ["change_phone", "change_phone", "exchange_goods", "thank", "cancel_order", "cancel_order", "greet"]
    predicted = ["exchange_goods", "change_phone", "change_phone", "complain", "return_goods", "return_goods", "thank"]
    pairs = pair_confusions(gold, predicted)
    assert pairs["change_phone → exchange_goods"] == 1
    assert pairs["exchange_goods → change_phone"] == 1
    assert pairs["thank → complain"] == 1
    assert pairs["complain → thank"] == 0
    assert pairs["cancel_order → return_goods"] == 2
    assert pairs["change_phone → reset_password"] == 0
    assert len(pairs) == 6 + 2 + 2  # greet → thank is not one of the pairs


def result(accuracy: float, thank_as_complain: int, phone=None) -> dict:
    pairs = {pair: 0 for pair in pair_confusions([], [])}
    pairs["thank → complain"] = thank_as_complain
    return {
        "examples": 10,
        "intent_accuracy": accuracy,
        "macro_f1": 0.5,
        "out_of_scope_rejection": None,
        "in_scope_wrongly_rejected": 0.25,
        "entities": {"phone": phone} if phone else {},
        "confusion_pairs": pairs,
    }


def test_comparison_table_has_a_column_per_set_and_a_row_per_figure():
    phone = {"precision": 1.0, "recall": 0.5, "support": 4, "predicted": 2}
    table = comparison_table({"written.yml": result(0.9, 0, phone), "spoken.yml": result(0.75, 3)})
    header, *lines = [re.split(r"\s{2,}", line.strip()) for line in table.splitlines()]
    assert header == ["written.yml", "spoken.yml"]
    rows = {label: cells for label, *cells in lines}
    assert rows["intent accuracy"] == ["0.900", "0.750"]
    assert rows["out-of-scope rejection"] == ["-", "-"]
    assert rows["phone recall / precision"] == ["0.500 / 1.000", "-"]
    assert rows["confusion thank → complain"] == ["0", "3"]


def parse(intent: str, second_stage_rejected_from: str | None = None) -> dict:
    reading = {"intent": second_stage_rejected_from or intent, "rejected": second_stage_rejected_from is not None}
    return {"intent": {"name": intent, "confidence": 0.9}, "oos": reading}


def test_second_stage_rejections_are_counted_and_the_figures_without_it_given():
    gold = ["out_of_scope", "out_of_scope", "out_of_scope", "logistics_track", "order_status"]
    parses = [
        parse("nlu_fallback", second_stage_rejected_from="logistics_track"),  # caught by the second stage
        parse("out_of_scope"),  # caught by DIET
        parse("modify_address"),  # missed
        parse("nlu_fallback", second_stage_rejected_from="logistics_track"),  # wrongly rejected by it
        parse("order_status"),
    ]
    figures = second_stage_figures(gold, parses)
    assert figures["rejected_out_of_scope"] == 1
    assert figures["rejected_in_scope"] == 1
    assert figures["first_stage_out_of_scope_rejection"] == 1 / 3
    assert figures["first_stage_in_scope_wrongly_rejected"] == 0.0
    assert figures["first_stage_intent_accuracy"] == 3 / 5
