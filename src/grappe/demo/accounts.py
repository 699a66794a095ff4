"""The demonstration's accounts: printed in the README and by ``grappe demo``, hence public."""

DEMO_PASSWORD = "grappe-demo"
DIRECTOR_USERNAME = "direction"
TERRITORIAL_USERNAME = "clermont"
DEMO_USERNAMES = (DIRECTOR_USERNAME, TERRITORIAL_USERNAME)
