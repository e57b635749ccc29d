"""The cycle collector paused while a piece of work allocates many objects and frees few of them.

Such work (a province's report: 100,000 members, their answers and names) makes the collector walk the growing
heap again and again for nothing; the objects are freed by reference counting when the work is done.
Imports nothing else of the project.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Within the block, no cyclic garbage collection; it resumes after, if it was on before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
