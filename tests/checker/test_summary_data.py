"""The typed plain data `summary.json` is built from has the fields of the stored summary models."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from checker.derived.summary_build import (
    ComponentSummaryData,
    LatencyData,
    SummaryData,
    UptimeData,
)
from checker.summary import ComponentSummary, LatencyFigure, Summary, UptimeFigure


@pytest.mark.parametrize(
    ("data", "model", "left_out"),
    [
        (SummaryData, Summary, {"parts"}),  # only a sharded checker's summary has parts
        (ComponentSummaryData, ComponentSummary, set()),
        (UptimeData, UptimeFigure, set()),
        (LatencyData, LatencyFigure, set()),
    ],
)
def test_the_summary_data_has_the_fields_of_its_model(data: type, model: type[BaseModel], left_out: set[str]) -> None:
    assert set(data.__annotations__) == set(model.model_fields) - left_out
