"""Training data validation and the test stories, with Rasa's own commands."""

import subprocess
import sys
from pathlib import Path

from devtools.rasa_server import ROOT

RASA = str(Path(sys.executable).parent / "rasa")


def run(*args, timeout=600):
    return subprocess.run([RASA, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_rasa_data_validate_passes():
    result = run("data", "validate", "--config", "config.yml", "--domain", "domain.yml", "--data", "nlu_data")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_test_stories_pass(model, tmp_path):
    result = run(
        "test",
        "core",
        "--model",
        str(model),
        "--stories",
        "tests/stories",
        "--out",
        str(tmp_path),
        "--fail-on-prediction-errors",
        "--no-plot",
    )
    assert result.returncode == 0, (
        result.stdout[-3000:]
        + result.stderr[-3000:]
        + (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")
        if (tmp_path / "failed_test_stories.yml").exists()
        else result.stdout[-3000:]
    )
