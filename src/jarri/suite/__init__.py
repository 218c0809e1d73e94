"""Experiments as data: the task model, manifest formats, loading and validation."""

from jarri.suite.loader import check_experiment, load_experiment, validate_experiment
from jarri.suite.model import Experiment, Task
from jarri.suite.registry import SuiteRegistry

__all__ = ["Experiment", "Task", "SuiteRegistry", "check_experiment", "load_experiment",
           "validate_experiment"]
