"""Retrying a version whose statement timed out waiting for a lock.

A short ``lock_timeout`` keeps the engine's writes from queueing behind a migration's lock
request for longer than that; the price is that a busy table makes the request time out.
The version is then run again, a bounded number of times, after a pause that doubles each
time, with jitter so that several deployments do not retry in step. A version in a
transaction starts over from nothing; a non-atomic one resumes (its statements are made
to be repeatable).
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Retries:
    attempts: int = 5  # retries after the first try
    first_delay: float = 0.5  # seconds; then 1, 2, 4, ... up to max_delay, each jittered
    max_delay: float = 8.0

    def delay(self, retry: int, rng: random.Random | None = None) -> float:
        """The pause before retry number ``retry`` (1, 2, ...): half fixed, half random."""
        ceiling = min(self.max_delay, self.first_delay * 2 ** (retry - 1))
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
