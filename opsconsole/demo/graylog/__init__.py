"""The demo's Graylog emulator: GELF inputs decoded by Graylog's rules, and (to come) its REST API."""

from __future__ import annotations
