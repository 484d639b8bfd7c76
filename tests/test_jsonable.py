"""depscreen.jsonable: the one UTC time stamp every record carries."""

from __future__ import annotations

import datetime as dt
import re

from depscreen.jsonable import utc_timestamp


def test_utc_timestamp_is_iso_8601_in_utc_to_the_second():
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    stamp = utc_timestamp()
    after = dt.datetime.now(dt.timezone.utc)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", stamp), stamp
    parsed = dt.datetime.fromisoformat(stamp)
    assert parsed.utcoffset() == dt.timedelta(0)
    assert before <= parsed <= after
