"""Hardening at the HTTP edge: refusing unstorable input, bounded numbers, throttled guessing."""
