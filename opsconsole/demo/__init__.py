"""The embedded demo world: a moto server, its accounts and roles. Product code never imports it."""

from __future__ import annotations
