"""Gmail: the adapter over google-api-python-client, MIME parsing, reply composition, auth."""
