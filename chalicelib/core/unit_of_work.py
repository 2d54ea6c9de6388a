"""One unit of work for every write: read, decide, stage into one transaction, commit; and when
a concurrent write got in between, all of it again, from the read.

    def attempt(tx: Transaction) -> Result:
        context = repository.load_for_write(...)   # read
        ...                                         # decide: raise a client error, or
        repository.put_goal(tx, ...)                # stage
        return result
    return run_write(attempt, sleep=self._sleep)

`run_write` commits what the attempt staged (nothing staged: nothing to commit, as when an
idempotent retry is replayed). A cancelled commit becomes the client error the repositories
attached to the failed conditions (`Transaction.refuse_with`), else a lost race: the attempt
runs again on a fresh read, with back-off, until `retry.MAX_ATTEMPTS` (then 503). An attempt
that notices a race itself (an item changed between two reads) raises `retry.Conflict`.
This is the only place that commits a transaction (tests/unit/test_unit_of_work.py checks).
"""

import time
from collections.abc import Callable

from chalicelib.core import retry
from chalicelib.core.dynamo import Transaction, TransactionCancelled


def run_write[T](
    attempt: Callable[[Transaction], T],
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_lost_race: Callable[[], None] | None = None,
) -> T:
    """The result of the first attempt whose transaction commits. `on_lost_race` is called
    when a commit lost a race, before the retry, and may refuse instead (a write conditioned
    on `If-Match` must not be applied to a version the client never saw)."""
    for _ in retry.attempts(sleep):
        tx = Transaction()
        try:
            result = attempt(tx)
        except retry.Conflict:
            continue  # the attempt saw an item change between its reads: nothing was sent
        try:
            if tx.item_count:
                _commit(tx)
        except retry.Conflict:
            if on_lost_race is not None:
                on_lost_race()
            continue
        return result
    raise retry.exhausted()


def _commit(tx: Transaction) -> None:
    try:
        tx.commit()
    except TransactionCancelled as exc:
        refusal = tx.refusal(exc.failed)
        if refusal is not None:
            raise refusal from exc
        raise retry.Conflict() from exc
