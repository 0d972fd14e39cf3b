import os

from hypothesis import HealthCheck, settings

# A CI profile: fixed derandomised examples so a run is reproducible, with no
# deadline (the 2-core CI machine is shared with the build).
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=200)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
