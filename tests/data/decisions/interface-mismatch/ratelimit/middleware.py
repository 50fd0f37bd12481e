"""WSGI middleware that answers 429 when a client exceeds its rate."""
from ratelimit.limiter import RateLimiter


class RateLimitMiddleware:
    def __init__(self, app, rate: float = 5.0, capacity: int = 10) -> None:
        self.app = app
        self.rate = rate
        self.capacity = capacity
        self.limiters: dict[str, RateLimiter] = {}

    def __call__(self, environ, start_response):
        client = environ.get("REMOTE_ADDR", "-")
        limiter = self.limiters.setdefault(client, RateLimiter(self.rate, self.capacity))
        if not limiter.allow():
            start_response("429 Too Many Requests", [("Retry-After", "1")])
            return [b"rate limited"]
        return self.app(environ, start_response)
