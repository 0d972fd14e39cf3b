# The vendored scenarios are run on clif by tests/test_pynn_scenarios.py; collecting them
# here would run them on whatever PyNN backends happen to be installed.
collect_ignore_glob = ["test_*.py"]
