"""Entry point of the moto server process: `python -m opsconsole.demo.moto_process`.

It prints `READY <port>` once it answers (on `--port N`, or a free port), and stops when its stdin
closes (its parent is gone) or on SIGTERM, so no server outlives the console.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import warnings

# moto imports a service's backend on its first request (about 1.5 s for these together).
# Importing them before serving keeps that cost out of the first deploy's requests; a
# background import would race the server's own lazy imports and answer 500.
_BACKENDS = (
    "cloudformation",
    "ec2",
    "ecs",
    "rds",
    "elbv2",
    "autoscaling",
    "s3",
    "kms",
    "dynamodb",
    "route53",
    "sns",
    "ecr",
    "logs",
)


def warm_backends() -> None:
    import importlib

    for name in _BACKENDS:
        try:
            importlib.import_module(f"moto.{name}.models")
        except Exception:  # a missing backend only costs its first request the import
            continue


def main() -> int:
    # werkzeug logs every request to stderr; moto warns about unsupported CFN types there too.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    from moto.server import ThreadedMotoServer

    from opsconsole.demo.moto_fixes import apply_all

    apply_all()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when the world ends

    warm_backends()
    port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    _host, port = server.get_host_and_port()
    sys.stdout.write(f"READY {port}\n")
    sys.stdout.flush()

    def watch_parent() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
