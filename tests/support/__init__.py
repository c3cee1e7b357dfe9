"""Test machinery shared across the suite (moto servers forked from a warm process)."""
