"""What a run record's numbers may hold: the bounds of a plausible measurement.

A server can report 2^63-1 tokens and a meter 1e308 J; one such value in a ledger used to
overflow the rebuild's sums (DOUBLE to infinity, BIGINT past 64 bits) and stop every later
rebuild. Each bound below is far beyond any real run (a 1 kW card busy for 115 days, a
trillion tokens) yet keeps the sum over millions of runs finite and exact, so a record outside
them is quarantined with the field and the bound in its reason (ledger/reader.py, the one
reader both resume and rebuild use), and the runner never writes one (runner/record_builder.py,
backends/wire.py).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_COUNT = 10**12          # tokens, characters, samples, checks
MAX_SECONDS = 10**7         # any duration (about 115 days)
MAX_JOULES = 10**10         # any energy (1 kW for about 115 days)
MAX_WATTS = 10**5           # any power reading or limit
MAX_BYTES = 10**15          # model sizes
MAX_MIB = 10**9             # GPU memory
MAX_INT = 2**63 - 1         # any other integer: what DuckDB's BIGINT holds
MAX_FLOAT = 1e15            # any other float (options, weights): summable without overflow

Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS)]
Nanoseconds = Annotated[int, Field(ge=0, le=MAX_SECONDS * 10**9)]
Joules = Annotated[float, Field(ge=-MAX_JOULES, le=MAX_JOULES)]   # net of idle may dip below 0
MilliJoules = Annotated[int, Field(ge=-MAX_JOULES * 1000, le=MAX_JOULES * 1000)]
Watts = Annotated[float, Field(ge=0, le=MAX_WATTS)]
Bytes = Annotated[int, Field(ge=0, le=MAX_BYTES)]
MiB = Annotated[int, Field(ge=0, le=MAX_MIB)]
Int = Annotated[int, Field(ge=-MAX_INT - 1, le=MAX_INT)]
Positive = Annotated[int, Field(ge=1, le=MAX_COUNT)]
Float = Annotated[float, Field(ge=-MAX_FLOAT, le=MAX_FLOAT)]
