"""Research on stored history: features on a decision grid, signal definitions as data, event studies with
bootstrap intervals and multiple-testing control, and calibrated base rates for the decision phase."""

from derivintel.research.bias_track import HorizonRecord, TrackRecord, bias_track_record
from derivintel.research.calibration import SqueezeBaseRate, squeeze_base_rates, wilson_interval
from derivintel.research.event_study import EventStats, StudyResult, run_study, study_frame
from derivintel.research.features import FeatureFrame, build_features
from derivintel.research.signals import DEFAULT_SIGNALS, SignalSpec

__all__ = [
    "DEFAULT_SIGNALS",
    "EventStats",
    "FeatureFrame",
    "HorizonRecord",
    "SignalSpec",
    "SqueezeBaseRate",
    "StudyResult",
    "TrackRecord",
    "bias_track_record",
    "build_features",
    "run_study",
    "squeeze_base_rates",
    "study_frame",
    "wilson_interval",
]
