"""The container's healthcheck: GET /health/ready on the address gunicorn listens on (BIND, as
gunicorn.conf.py reads it), from inside the container. Exits 0 when it answers 200, else 1.

Standard library only, and no import of the app: it runs every 15 seconds.
"""

import os
import sys
import urllib.request

DEFAULT_BIND = "127.0.0.1:5000"
TIMEOUT_SECONDS = 2


def ready_url(bind: str) -> str:
    """The readiness URL of the first address in BIND: a wildcard host is asked on loopback."""
    address = bind.split(",")[0].strip() or DEFAULT_BIND
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/health/ready"


def main() -> int:
    try:
        with urllib.request.urlopen(ready_url(os.environ.get("BIND", DEFAULT_BIND)), timeout=TIMEOUT_SECONDS) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"not ready: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
