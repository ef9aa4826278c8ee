"""Scheduling: kernels into regions, each an SDC or modulo problem solved and verified.

`schedule_kernel(kernel, clock_period_ps, delays, options)` is the entry point; the
result, a `KernelSchedule`, holds every region's solution and prints as a table.
"""

from kiln.scheduler.delay_model import DelayModel
from kiln.scheduler.kernel_schedule import KernelSchedule, RegionSchedule, schedule_kernel
from kiln.scheduler.problem import Problem, Solution
from kiln.scheduler.regions import Options

__all__ = [
    "DelayModel",
    "KernelSchedule",
    "Options",
    "Problem",
    "RegionSchedule",
    "Solution",
    "schedule_kernel",
]
