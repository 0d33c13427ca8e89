"""Shared building blocks of the call-records connector suite.

Nothing here knows a provider: dates and zones, windowed incremental state, short-lived tokens,
request signing, base-URL checks and error classification that the four connectors stand on.
"""
