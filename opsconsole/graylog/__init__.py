"""Graylog: the REST client, the live tail, and the console's audit records sent as GELF."""

from __future__ import annotations
