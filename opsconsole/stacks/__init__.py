"""The deploy engine: the estate's manifest, offline validation, plans and deploys."""

from __future__ import annotations
