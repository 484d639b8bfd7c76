from __future__ import annotations

from depscreen.serve.limits import RateLimiter, retry_after_header


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_token_bucket_allows_a_burst_then_waits_per_key():
    clock = Clock()
    lim = RateLimiter(rate=60, burst=3, clock=clock)  # one token per second
    assert [lim.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = lim.acquire("a")
    assert 0.9 < wait <= 1.0
    assert lim.acquire("b") == 0.0  # another key has its own bucket
    clock.t += 1.0
    assert lim.acquire("a") == 0.0
    assert lim.acquire("a") > 0


def test_rate_zero_turns_the_limit_off_and_retry_after_is_whole_seconds():
    lim = RateLimiter(rate=0, burst=1)
    assert all(lim.acquire("a") == 0.0 for _ in range(100))
    assert retry_after_header(0.01) == "1" and retry_after_header(2.2) == "3"


def test_wait_reports_without_taking_a_token():
    clock = Clock()
    lim = RateLimiter(rate=60, burst=1, clock=clock)
    assert lim.wait("a") == 0.0 and lim.wait("a") == 0.0
    assert lim.acquire("a") == 0.0
    assert 0.9 < lim.wait("a") <= 1.0
    clock.t += 1.0
    assert lim.wait("a") == 0.0
