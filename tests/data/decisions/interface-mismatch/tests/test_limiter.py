"""Tests of the token bucket."""
from ratelimit.limiter import RateLimiter


def test_allows_up_to_the_burst():
    limiter = RateLimiter(rate=5.0, burst=3)
    assert [limiter.allow() for _ in range(4)] == [True, True, True, False]


def test_rejects_a_zero_rate():
    import pytest

    with pytest.raises(ValueError):
        RateLimiter(rate=0, burst=1)
