"""Scheduling: dependence graphs, delay models, schedulers and the schedules they return."""

from kiln.scheduler.asap import schedule_asap
from kiln.scheduler.delay_model import DelayModel
from kiln.scheduler.deps import dependence_graph
from kiln.scheduler.schedule import Schedule, Slot

__all__ = [
    "DelayModel",
    "Schedule",
    "Slot",
    "dependence_graph",
    "schedule_asap",
]
