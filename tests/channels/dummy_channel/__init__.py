"""A throw-away channel that exists only in the tests: it proves that a channel is its package plus one
line in RESONANZ_CHANNELS (docs/tutorials/writing-a-channel.md). The test is tests/channels/test_registry.py."""
