"""Test support: factories and helpers. Sits above every domain (it builds their objects); only tests,
benchmarks and the test configuration import it."""
