"""The access tests start the demo world like the others; on a loaded machine (2 cores shared by
several test runs) the moto server can take longer than its 20 s default to say READY, so the
worlds these tests start may wait up to 60 s. Nothing else about the server changes."""

from __future__ import annotations

from opsconsole.demo.server import MotoServer

MotoServer.start.__defaults__ = (60.0,)
