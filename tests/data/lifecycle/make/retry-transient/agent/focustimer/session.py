"""The work / break cycle."""
from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from focustimer.clock import Clock
from focustimer.config import Settings


class Phase(Enum):
    WORK = "work"
    SHORT_BREAK = "short break"
    LONG_BREAK = "long break"


def next_phase(phase: Phase, completed_work: int, settings: Settings) -> Phase:
    if phase is not Phase.WORK:
        return Phase.WORK
    if completed_work and completed_work % settings.long_every == 0:
        return Phase.LONG_BREAK
    return Phase.SHORT_BREAK


def minutes_of(phase: Phase, settings: Settings) -> int:
    return {
        Phase.WORK: settings.work_min,
        Phase.SHORT_BREAK: settings.short_break_min,
        Phase.LONG_BREAK: settings.long_break_min,
    }[phase]


def run_phase(phase: Phase, settings: Settings, clock: Clock, tick: Callable[[int], None]) -> None:
    remaining = minutes_of(phase, settings) * 60
    while remaining > 0:
        tick(remaining)
        clock.sleep(1)
        remaining -= 1
    tick(0)
